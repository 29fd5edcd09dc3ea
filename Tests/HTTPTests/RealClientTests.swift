import Foundation
import HTTP
import TestSupport
import XCTest

/// curl and Python's http.client against the live server, as users and tools will talk to it.
final class RealClientTests: XCTestCase {
    func curl(_ arguments: [String]) throws -> ProcessResult {
        try runProcess("/usr/bin/env", ["curl", "--silent", "--show-error", "--max-time", "30"] + arguments)
    }

    func payload(_ bytes: Int, in directory: URL) throws -> String {
        let path = directory.appendingPathComponent("payload-\(bytes).bin").path
        let data = Data((0..<bytes).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) })
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: data))
        return path
    }

    func testCurlUploadsEveryWay() throws {
        let server = try TestServer()
        defer { server.stop() }
        let directory = try Checkpoints.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let small = try payload(1000, in: directory), large = try payload(3 * 1024 * 1024, in: directory)
        let base = "http://127.0.0.1:\(server.port)"

        let form = try curl(["-F", "image=@\(small);type=image/png", "-F", "top_k=3", "\(base)/form"])
        XCTAssertEqual(form.status, 0, form.stderr)
        let parts = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(form.stdout.utf8)) as? [[String: Any]])
        XCTAssertEqual(parts.first?["name"] as? String, "image")
        XCTAssertEqual(parts.first?["filename"] as? String, "payload-1000.bin")
        XCTAssertEqual(parts.first?["type"] as? String, "image/png")
        XCTAssertEqual(parts.first?["bytes"] as? Int, 1000)
        XCTAssertEqual(parts.last?["name"] as? String, "top_k")

        // Over 1 MiB curl sends Expect: 100-continue and waits for our interim answer.
        let output = directory.appendingPathComponent("echoed.bin").path
        let binary = try curl(["--data-binary", "@\(large)", "-H", "Content-Type: application/octet-stream", "-o", output,
                               "-w", "%{http_code} %{time_total}", "\(base)/echo"])
        XCTAssertEqual(binary.stdout.split(separator: " ").first, "200", binary.stderr)
        XCTAssertLessThan(Double(binary.stdout.split(separator: " ").last ?? "9") ?? 9, 0.9, "no 1 s wait for 100 Continue")
        XCTAssertEqual(FileManager.default.contents(atPath: output), FileManager.default.contents(atPath: large))

        let chunked = try curl(["--data-binary", "@\(large)", "-H", "Transfer-Encoding: chunked", "-o", output, "-w", "%{http_code}", "\(base)/echo"])
        XCTAssertEqual(chunked.stdout, "200", chunked.stderr)
        XCTAssertEqual(FileManager.default.contents(atPath: output), FileManager.default.contents(atPath: large))

        let old = try curl(["--http1.0", "-i", "\(base)/hello"])
        XCTAssertTrue(old.stdout.hasPrefix("HTTP/1.1 200 OK"), old.stdout)
        XCTAssertTrue(old.stdout.contains("Connection: close"), old.stdout)

        let gzip = try curl(["--compressed", "-w", "\\n%{size_download}", "\(base)/big?bytes=50000"])
        XCTAssertTrue(gzip.stdout.hasPrefix("abcdefghijklmnopqrstuvwxyzabc"))
        XCTAssertLessThan(Int(gzip.stdout.split(separator: "\n").last ?? "") ?? 50000, 5000, "transferred compressed")

        let tooBig = try curl(["--data-binary", "@\(large)", "-w", "%{http_code}", "-o", "/dev/null", "\(base)/nowhere"])
        XCTAssertEqual(tooBig.stdout, "404")
    }

    func testHTTPSWithASelfSignedCertificate() throws {
        let directory = try Checkpoints.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let key = directory.appendingPathComponent("key.pem").path, cert = directory.appendingPathComponent("cert.pem").path
        let made = try runProcess("/usr/bin/env", ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                                                    "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"])
        XCTAssertEqual(made.status, 0, made.stderr)
        let server = try TestServer { $0.tls = TLSConfiguration(certificatePath: cert, privateKeyPath: key) }
        defer { server.stop() }
        let base = "https://127.0.0.1:\(server.port)"
        let hello = try curl(["--cacert", cert, "\(base)/hello"])
        XCTAssertEqual(hello.stdout, "hello\n", hello.stderr)
        let large = try payload(2 * 1024 * 1024, in: directory)
        let output = directory.appendingPathComponent("echoed.bin").path
        let echo = try curl(["--cacert", cert, "--data-binary", "@\(large)", "-o", output, "-w", "%{http_code}", "\(base)/echo"])
        XCTAssertEqual(echo.stdout, "200", echo.stderr)
        XCTAssertEqual(FileManager.default.contents(atPath: output), FileManager.default.contents(atPath: large))
        let untrusted = try curl(["\(base)/hello"])
        XCTAssertNotEqual(untrusted.status, 0, "curl refuses the self-signed certificate without --cacert")
        // Plain HTTP to the TLS port is refused without harming the server.
        let plain = try curl(["http://127.0.0.1:\(server.port)/hello"])
        XCTAssertNotEqual(plain.status, 0)
        XCTAssertEqual(try curl(["--cacert", cert, "\(base)/hello"]).stdout, "hello\n")
    }

    func testBadTLSFilesAreRefusedWithOpenSSLsReason() throws {
        var configuration = ServerConfiguration()
        configuration.tls = TLSConfiguration(certificatePath: "/nonexistent/cert.pem", privateKeyPath: "/nonexistent/key.pem")
        XCTAssertThrowsError(try HTTPServer(configuration: configuration, router: Router())) { error in
            XCTAssertTrue("\(error)".contains("cannot load the certificate /nonexistent/cert.pem"), "\(error)")
        }
    }

    func testPythonHTTPClient() throws {
        let server = try TestServer()
        defer { server.stop() }
        let script = SharedFixtures.repositoryRoot.appendingPathComponent("Tests/Fixtures/http_client_check.py").path
        let result = try runProcess("/usr/bin/env", ["python3", script, String(server.port)])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stdout.split(separator: "\n"), ["OK keep-alive", "OK chunked upload", "OK head", "OK not found"])
    }

    func testPortInUseIsAClearError() throws {
        let first = try TestServer()
        defer { first.stop() }
        var configuration = ServerConfiguration()
        configuration.host = "127.0.0.1"
        configuration.port = first.port
        let second = try HTTPServer(configuration: configuration, router: Router())
        XCTAssertThrowsError(try second.start()) { error in
            XCTAssertTrue("\(error)".contains("Address already in use"), "\(error)")
        }
    }
}
