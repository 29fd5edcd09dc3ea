import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A blocking TCP client for tests that must control every byte: pipelining, half-close, resets, slowness.
public final class RawClient {
    public let fd: Int32
    // Closed at most once: the server under test shares this process's descriptor table, so a second
    // close could hit a socket the server has just accepted under the same number.
    private var closed = false

    public init(port: UInt16, host: String = "127.0.0.1", receiveTimeout: Double = 10) throws {
        let family = host.contains(":") ? AF_INET6 : AF_INET
        fd = socket(family, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw RawClientError.failed("socket: \(errno)") }
        var timeout = timeval(tv_sec: Int(receiveTimeout), tv_usec: Int((receiveTimeout - Double(Int(receiveTimeout))) * 1e6))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let status: Int32
        if family == AF_INET6 {
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = port.bigEndian
            inet_pton(AF_INET6, host, &address.sin6_addr)
            status = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) } }
        } else {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = port.bigEndian
            inet_pton(AF_INET, host, &address.sin_addr)
            status = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        }
        guard status == 0 else {
            Glibc.close(fd)
            throw RawClientError.failed("connect: \(String(cString: strerror(errno)))")
        }
    }

    deinit { close() }

    public func close() {
        guard !closed else { return }
        closed = true
        Glibc.close(fd)
    }

    public func send(_ text: String) throws { try send(Array(text.utf8)) }

    public func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw RawClientError.failed("send: \(String(cString: strerror(errno)))") }
            offset += n
        }
    }

    /// Half-close: the server sees end of stream, we can still read.
    public func shutdownWrite() { shutdown(fd, Int32(SHUT_WR)) }

    /// Abortive close: the server gets a TCP reset.
    public func reset() {
        var option = linger(l_onoff: 1, l_linger: 0)
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &option, socklen_t(MemoryLayout<linger>.size))
        close()
    }

    /// Everything until the server closes (or the receive timeout passes).
    public func readToEnd() -> [UInt8] {
        var all: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { break }
            all += buffer[0..<n]
        }
        return all
    }

    private var pending: [UInt8] = []

    /// Reads one response (status line, headers, a Content-Length body). nil if the connection ends first.
    public func readResponse(headRequest: Bool = false) throws -> RawResponse? {
        func fill() -> Bool {
            var buffer = [UInt8](repeating: 0, count: 65536)
            let n = recv(fd, &buffer, buffer.count, 0)
            guard n > 0 else { return false }
            pending += buffer[0..<n]
            return true
        }
        var headEnd: Int?
        while headEnd == nil {
            if let range = pending.firstRange(of: Array("\r\n\r\n".utf8)) { headEnd = range.lowerBound; break }
            if !fill() { return nil }
        }
        let lines = String(decoding: pending[0..<headEnd!], as: UTF8.self).components(separatedBy: "\r\n")
        let statusParts = lines[0].split(separator: " ", maxSplits: 2)
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else { throw RawClientError.failed("bad status line: \(lines[0])") }
        var headers: [(String, String)] = []
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers.append((String(line[..<colon]).lowercased(), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
        pending.removeFirst(headEnd! + 4)
        let length = headRequest || status < 200 || status == 204 ? 0 : (headers.first { $0.0 == "content-length" }.flatMap { Int($0.1) } ?? 0)
        while pending.count < length { if !fill() { throw RawClientError.failed("body ended after \(pending.count) of \(length) bytes") } }
        let body = Array(pending[0..<length])
        pending.removeFirst(length)
        return RawResponse(status: status, headers: headers, body: body)
    }
}

public struct RawResponse {
    public let status: Int
    public let headers: [(String, String)]
    public let body: [UInt8]

    public func header(_ name: String) -> String? { headers.first { $0.0 == name.lowercased() }?.1 }
    public var text: String { String(decoding: body, as: UTF8.self) }
}

public enum RawClientError: Error { case failed(String) }

/// Open file descriptors of this process (for leak checks).
public func openFileDescriptorCount() -> Int {
    (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? -1
}

/// What each open descriptor of this process points at ("socket:[123]", "anon_inode:[eventpoll]", …), by number.
public func openFileDescriptors() -> [Int: String] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
    var result: [Int: String] = [:]
    for name in names {
        guard let fd = Int(name) else { continue }
        result[fd] = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(name)")) ?? "?"
    }
    return result
}

/// A list appended to from many threads.
public final class LockedList<Element>: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [Element] = []

    public init() {}

    public func append(_ item: Element) { lock.withLock { items.append(item) } }
    public var all: [Element] { lock.withLock { items } }
}

/// Runs `body(i)` for i in 0..<count on `count` threads at once (unlike concurrentPerform, which runs
/// only as many at a time as there are cores), and returns when all have finished.
public func concurrently(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
    let group = DispatchGroup()
    for i in 0..<count {
        group.enter()
        let thread = Thread {
            body(i)
            group.leave()
        }
        thread.stackSize = 1 << 20
        thread.start()
    }
    group.wait()
}
