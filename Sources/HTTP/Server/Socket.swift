#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A failed socket call, with errno and its text captured at the failure point.
public struct SocketError: Error, Sendable, CustomStringConvertible {
    public let operation: String
    public let code: Int32

    init(_ operation: String, code: Int32 = errno) {
        self.operation = operation
        self.code = code
    }

    public var description: String { "\(operation): \(String(cString: strerror(code))) (errno \(code))" }
}

/// Thin POSIX wrappers: the only file that speaks to the socket API directly.
enum Socket {
    /// Binds and listens on every address `host` resolves to (e.g. "localhost" → 127.0.0.1 and ::1).
    /// With port 0 the first bind picks a port and the others reuse it. "::" accepts IPv4 too (dual stack).
    static func listen(host: String, port: UInt16, backlog: Int32) throws(SocketError) -> (fds: [Int32], port: UInt16) {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host.isEmpty ? nil : host, String(port), &hints, &list)
        guard status == 0, let first = list else {
            throw SocketError("getaddrinfo(\(host))", code: status == EAI_SYSTEM ? errno : EINVAL)
        }
        defer { freeaddrinfo(list) }
        var fds: [Int32] = []
        var boundPort = port
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        do throws(SocketError) {
            while let info = cursor {
                cursor = info.pointee.ai_next
                var address = sockaddr_storage()
                memcpy(&address, info.pointee.ai_addr, Int(info.pointee.ai_addrlen))
                if boundPort != 0 { setPort(&address, boundPort) }
                let fd = try open(family: info.pointee.ai_family)
                fds.append(fd)
                if info.pointee.ai_family == AF_INET6 {
                    var v6only: Int32 = host == "::" ? 0 : 1
                    setsockopt(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &v6only, socklen_t(MemoryLayout<Int32>.size))
                }
                let bound = withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, info.pointee.ai_addrlen) }
                }
                guard bound == 0 else { throw SocketError("bind(\(host):\(boundPort))") }
                guard Glibc.listen(fd, backlog) == 0 else { throw SocketError("listen") }
                if boundPort == 0 { boundPort = try localPort(fd) }
            }
        } catch {
            fds.forEach { close($0) }
            throw error
        }
        return (fds, boundPort)
    }

    private static func open(family: Int32) throws(SocketError) -> Int32 {
        let fd = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SocketError("socket") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        try setNonBlocking(fd)
        return fd
    }

    static func setNonBlocking(_ fd: Int32) throws(SocketError) {
        let flags = fcntl(fd, F_GETFL)
        guard flags >= 0, fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0 else { throw SocketError("fcntl(O_NONBLOCK)") }
    }

    private static func setPort(_ address: inout sockaddr_storage, _ port: UInt16) {
        withUnsafeMutablePointer(to: &address) { pointer in
            if Int32(pointer.pointee.ss_family) == AF_INET {
                pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_port = port.bigEndian }
            } else {
                pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee.sin6_port = port.bigEndian }
            }
        }
    }

    private static func localPort(_ fd: Int32) throws(SocketError) -> UInt16 {
        var address = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let ok = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard ok == 0 else { throw SocketError("getsockname") }
        return describe(address).port
    }

    /// Accepts one pending connection (made non-blocking and close-on-exec); nil when none is waiting.
    static func accept(_ listener: Int32) -> (fd: Int32, peer: String)? {
        var address = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let fd = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.accept(listener, $0, &length) }
        }
        guard fd >= 0 else { return nil }
        // accept4 is not exported to Swift; set the flags right after (no fork/exec happens in between).
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        guard (try? setNonBlocking(fd)) != nil else {
            close(fd)
            return nil
        }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        let peer = describe(address)
        return (fd, peer.host.contains(":") ? "[\(peer.host)]:\(peer.port)" : "\(peer.host):\(peer.port)")
    }

    static func describe(_ address: sockaddr_storage) -> (host: String, port: UInt16) {
        var copy = address
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        return withUnsafePointer(to: &copy) { pointer in
            if Int32(pointer.pointee.ss_family) == AF_INET {
                return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { v4 in
                    var addr = v4.pointee.sin_addr
                    inet_ntop(AF_INET, &addr, &buffer, socklen_t(buffer.count))
                    return (String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self), UInt16(bigEndian: v4.pointee.sin_port))
                }
            }
            return pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { v6 in
                var addr = v6.pointee.sin6_addr
                inet_ntop(AF_INET6, &addr, &buffer, socklen_t(buffer.count))
                return (String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self), UInt16(bigEndian: v6.pointee.sin6_port))
            }
        }
    }
}
