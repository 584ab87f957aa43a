using Vehicle.Runtime.Nlu;

namespace Vehicle.Runtime.Tests;

/// <summary>One real understander (the shipped model and catalog) shared by the tests that need it.</summary>
public sealed class UnderstanderFixture : IDisposable
{
    public UnderstanderFixture() => Understander = Understander.Create(new NluOptions());

    public Understander Understander { get; }

    public void Dispose() => Understander.Dispose();
}

[CollectionDefinition(Name)]
public sealed class UnderstanderGroup : ICollectionFixture<UnderstanderFixture>
{
    public const string Name = "understander";
}
