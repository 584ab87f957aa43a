namespace Vehicle.Runtime.Nlu;

/// <summary>The numeric precision the encoder runs in (<c>Nlu:Precision</c>).</summary>
public enum ModelPrecision
{
    /// <summary>8-bit weights (dynamic quantisation, made from the fp32 model on board and cached): about a quarter of the memory.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1720:Identifier contains type name", Justification = "int8 is the precision's name, as Nlu:Precision spells it.")]
    Int8,

    /// <summary>The packaged 32-bit float model (and always when the CUDA provider is asked for).</summary>
    Fp32,
}
