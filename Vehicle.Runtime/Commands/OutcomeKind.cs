namespace Vehicle.Runtime.Commands;

/// <summary>The one explicit outcome every request gets.</summary>
public enum OutcomeKind
{
    /// <summary>The vehicle was actuated.</summary>
    Executed,

    /// <summary>An information request was answered (nothing actuated).</summary>
    Answered,

    /// <summary>The policy refused it; <see cref="CommandOutcome.Reason"/> says why.</summary>
    Refused,

    /// <summary>Its deadline passed before it could be carried out: it was not carried out late.</summary>
    DeadlineMissed,

    /// <summary>Not admitted (lane full, deadline cannot be met, shutting down), answered at once.</summary>
    Rejected,

    /// <summary>Handed to the cloud route.</summary>
    RoutedCloud,

    /// <summary>Something broke; <see cref="CommandOutcome.Reason"/> has the error.</summary>
    Failed,

    /// <summary>A cloud question whose time-to-live ran out before its answer came back.</summary>
    Expired,

    /// <summary>The copilot asked back (a missing slot, a confirmation, a choice); <see cref="CommandOutcome.Awaiting"/> says for what.</summary>
    Asked,

    /// <summary>A command waiting for confirmation was declined: nothing was done.</summary>
    Cancelled,
}

/// <summary>Wire names of <see cref="OutcomeKind"/>.</summary>
public static class OutcomeKindNames
{
    /// <summary>snake_case name: executed, answered, refused, deadline_missed, rejected, routed_cloud, failed, expired, asked, cancelled.</summary>
    public static string ToContractName(this OutcomeKind kind) => kind switch
    {
        OutcomeKind.Executed => "executed",
        OutcomeKind.Answered => "answered",
        OutcomeKind.Refused => "refused",
        OutcomeKind.DeadlineMissed => "deadline_missed",
        OutcomeKind.Rejected => "rejected",
        OutcomeKind.RoutedCloud => "routed_cloud",
        OutcomeKind.Failed => "failed",
        OutcomeKind.Expired => "expired",
        OutcomeKind.Asked => "asked",
        OutcomeKind.Cancelled => "cancelled",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };
}
