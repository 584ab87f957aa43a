using System.Net.Sockets;

namespace Vehicle.Runtime.Hosting;

/// <summary>HTTP/2 (gRPC) over a Unix domain socket: the connect callback of a <see cref="SocketsHttpHandler"/>.</summary>
internal static class UnixSocket
{
    /// <summary>A connect callback that opens <paramref name="path"/> whatever host the request names.</summary>
    public static Func<SocketsHttpConnectionContext, CancellationToken, ValueTask<Stream>> Connect(string path) =>
        async (_, cancellationToken) =>
        {
            var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try
            {
                await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), cancellationToken).ConfigureAwait(false);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        };
}
