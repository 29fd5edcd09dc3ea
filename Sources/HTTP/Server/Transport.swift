#if canImport(Glibc)
import Glibc
#endif

/// Byte I/O over a connected socket: plain TCP or TLS, so the connection logic is the same for both.
protocol Transport: AnyObject {
    /// Reads into `buffer`: > 0 bytes read, 0 end of stream, nil would block, -1 error.
    func read(into buffer: UnsafeMutableRawBufferPointer) -> Int?
    /// Writes from `buffer`: bytes written (> 0), nil would block, -1 error.
    func write(_ buffer: UnsafeRawBufferPointer) -> Int?
    /// Whether a pending operation is waiting for the socket to become writable (TLS handshakes may).
    var wantsWrite: Bool { get }
    /// Ends the sending direction (TLS: close_notify, then TCP half-close).
    func shutdownWrite()
    /// Releases transport state; the connection closes the descriptor itself.
    func close()
}

final class PlainTransport: Transport {
    let fd: Int32

    init(fd: Int32) {
        self.fd = fd
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) -> Int? {
        let n = recv(fd, buffer.baseAddress, buffer.count, 0)
        if n >= 0 { return n }
        return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? nil : -1
    }

    func write(_ buffer: UnsafeRawBufferPointer) -> Int? {
        let n = send(fd, buffer.baseAddress, buffer.count, Int32(MSG_NOSIGNAL))
        if n >= 0 { return n }
        return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? nil : -1
    }

    var wantsWrite: Bool { false }

    func shutdownWrite() {
        shutdown(fd, Int32(SHUT_WR))
    }

    func close() {}
}
