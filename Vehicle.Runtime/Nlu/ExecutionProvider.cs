namespace Vehicle.Runtime.Nlu;

/// <summary>The ONNX Runtime execution provider the encoder asks for.</summary>
public enum ExecutionProvider
{
    /// <summary>The CPU execution provider (always available).</summary>
    Cpu,

    /// <summary>NVIDIA CUDA; falls back to the CPU with one log line when CUDA cannot start.</summary>
    Cuda,
}
