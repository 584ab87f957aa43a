namespace Vehicle.Runtime.Catalog;

/// <summary>The intent catalog is malformed; the message names the file and the offending entry.</summary>
public sealed class CatalogException : Exception
{
    /// <summary>Creates the exception.</summary>
    public CatalogException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with its cause.</summary>
    public CatalogException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception.</summary>
    public CatalogException()
    {
    }
}
