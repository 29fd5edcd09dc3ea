import COpenSSL
#if canImport(Glibc)
import Glibc
#endif

/// Why TLS could not be set up; carries OpenSSL's own error text.
public struct TLSError: Error, Sendable, CustomStringConvertible {
    public let description: String

    init(_ what: String) {
        var reason = ""
        var buffer = [CChar](repeating: 0, count: 256)
        var code = ERR_get_error()
        while code != 0 {
            ERR_error_string_n(code, &buffer, buffer.count)
            reason += (reason.isEmpty ? "" : "; ") + String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            code = ERR_get_error()
        }
        description = reason.isEmpty ? what : "\(what): \(reason)"
    }
}

/// The server's certificate and key, loaded once and shared by every TLS connection.
final class TLSContext: @unchecked Sendable {
    // SSL_CTX is safe to share once configured; it is never modified after init.
    let context: OpaquePointer

    init(configuration: TLSConfiguration) throws(TLSError) {
        guard let context = SSL_CTX_new(TLS_server_method()) else { throw TLSError("SSL_CTX_new failed") }
        self.context = context
        // TLS 1.2 is the oldest version still considered safe (SSL_CTX_set_min_proto_version is a macro).
        _ = SSL_CTX_ctrl(context, SSL_CTRL_SET_MIN_PROTO_VERSION, Int(TLS1_2_VERSION), nil)
        guard SSL_CTX_use_certificate_chain_file(context, configuration.certificatePath) == 1 else {
            throw TLSError("cannot load the certificate \(configuration.certificatePath)")
        }
        guard SSL_CTX_use_PrivateKey_file(context, configuration.privateKeyPath, SSL_FILETYPE_PEM) == 1 else {
            throw TLSError("cannot load the private key \(configuration.privateKeyPath)")
        }
        guard SSL_CTX_check_private_key(context) == 1 else {
            throw TLSError("the private key does not match the certificate")
        }
    }

    deinit { SSL_CTX_free(context) }
}

/// TLS over a non-blocking socket. The handshake happens inside the first reads and writes; when OpenSSL
/// needs the socket writable to continue, `wantsWrite` asks the connection to wait for that.
final class TLSTransport: Transport {
    private let ssl: OpaquePointer
    private(set) var wantsWrite = false

    init?(context: TLSContext, fd: Int32) {
        guard let ssl = SSL_new(context.context) else { return nil }
        self.ssl = ssl
        SSL_set_fd(ssl, fd)
        SSL_set_accept_state(ssl)
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) -> Int? {
        wantsWrite = false
        let n = SSL_read(ssl, buffer.baseAddress, Int32(min(buffer.count, Int(Int32.max))))
        if n > 0 { return Int(n) }
        return outcome(SSL_get_error(ssl, n), ended: 0)
    }

    func write(_ buffer: UnsafeRawBufferPointer) -> Int? {
        wantsWrite = false
        let n = SSL_write(ssl, buffer.baseAddress, Int32(min(buffer.count, Int(Int32.max))))
        if n > 0 { return Int(n) }
        return outcome(SSL_get_error(ssl, n), ended: -1)
    }

    private func outcome(_ code: Int32, ended: Int) -> Int? {
        ERR_clear_error()
        switch code {
        case SSL_ERROR_WANT_READ: return nil
        case SSL_ERROR_WANT_WRITE:
            wantsWrite = true
            return nil
        case SSL_ERROR_ZERO_RETURN: return ended
        default: return -1
        }
    }

    func shutdownWrite() {
        SSL_shutdown(ssl) // close_notify; a non-blocking socket may leave it half-sent, which is harmless here
        shutdown(SSL_get_fd(ssl), Int32(SHUT_WR))
    }

    func close() {
        SSL_free(ssl)
    }
}
