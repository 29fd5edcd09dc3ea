import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// For container HEALTHCHECKs without curl: GET /healthz on the local server, exit 0 on 200.
struct HealthcheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "healthcheck",
        abstract: "Exit 0 if the local server answers GET /healthz with 200, else 1."
    )

    @Option(help: "Port of the server. [SHUFFLENET_PORT]") var port: Int?
    @Option(help: "Seconds to wait for the answer.") var timeout: Int = 3

    func run() throws {
        let target = port ?? Int(ProcessInfo.processInfo.environment["SHUFFLENET_PORT"] ?? "") ?? 8080
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ExitCode(1) }
        defer { close(fd) }
        var wait = timeval(tv_sec: timeout, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &wait, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(target).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard connected == 0 else {
            print("unhealthy: cannot connect to 127.0.0.1:\(target)")
            throw ExitCode(1)
        }
        let request = Array("GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".utf8)
        _ = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
        var buffer = [UInt8](repeating: 0, count: 512)
        let n = recv(fd, &buffer, buffer.count, 0)
        let head = n > 0 ? String(decoding: buffer[0..<n], as: UTF8.self) : ""
        guard head.hasPrefix("HTTP/1.1 200") else {
            print("unhealthy: \(head.split(separator: "\r\n").first ?? "no answer")")
            throw ExitCode(1)
        }
        print("healthy")
    }
}
