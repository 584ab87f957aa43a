using Vehicle.Runtime.Nlu;

namespace Vehicle.Runtime.Tests;

/// <summary>
/// Real understanders (the shipped model and catalog) shared by the tests that need them: one for
/// direct use and for a channel's critical lane, a second for a channel's interactive lane.
/// </summary>
public sealed class UnderstanderFixture : IDisposable
{
    private readonly Lazy<Understander> _second;

    public UnderstanderFixture()
    {
        Understander = Understander.Create(new NluOptions());
        _second = new(() => Understander.CreateSibling());
    }

    public Understander Understander { get; }

    public Understander Second => _second.Value;

    public void Dispose()
    {
        Understander.Dispose();
        if (_second.IsValueCreated)
        {
            _second.Value.Dispose();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class UnderstanderGroup : ICollectionFixture<UnderstanderFixture>
{
    public const string Name = "understander";
}
