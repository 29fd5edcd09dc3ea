import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A real `shufflenet serve` process on a free port, for tests that go through real sockets.
public final class ServiceProcess: @unchecked Sendable {
    public let process = Process()
    public private(set) var port: UInt16 = 0
    private let errorPipe = Pipe()
    private let lock = NSLock()
    private var logText = ""

    /// The release binary when it was built (the test command builds it: inference is ~10× faster), else debug.
    public static var binary: String {
        if let custom = ProcessInfo.processInfo.environment["SHUFFLENET_SERVE_BINARY"], !custom.isEmpty { return custom }
        let release = SharedFixtures.repositoryRoot.appendingPathComponent(".build/release/shufflenet").path
        if FileManager.default.isExecutableFile(atPath: release) { return release }
        return SharedFixtures.repositoryRoot.appendingPathComponent(".build/debug/shufflenet").path
    }

    /// Starts the service and waits until /readyz would say ready (the "ready" log line).
    public init(models: [String], arguments: [String] = [], timeout: Double = 120) throws {
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = ["serve", "--host", "127.0.0.1", "--port", "0"] + models.flatMap { ["--model", $0] } + arguments
        // Sanitiser runs (scripts/sanitizers.sh) give the server its own options, e.g. leak detection on
        // while the XCTest process has it off.
        if let options = ProcessInfo.processInfo.environment["SHUFFLENET_SERVE_ASAN_OPTIONS"] {
            process.environment = ProcessInfo.processInfo.environment.merging(["ASAN_OPTIONS": options]) { _, new in new }
        }
        process.standardError = errorPipe
        process.standardOutput = FileHandle.nullDevice
        errorPipe.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            guard let self, !data.isEmpty else { return }
            self.lock.withLock { self.logText += String(decoding: data, as: UTF8.self) }
        }
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let text = log
            if port == 0, let range = text.range(of: #"port=(\d+)"#, options: .regularExpression) {
                port = UInt16(text[range].dropFirst(5)) ?? 0
            }
            if port != 0 && text.contains(" ready") { return }
            guard process.isRunning else { throw RawClientError.failed("serve exited (\(process.terminationStatus)): \(text)") }
            Thread.sleep(forTimeInterval: 0.05)
        }
        process.terminate()
        throw RawClientError.failed("serve did not become ready within \(timeout) s: \(log)")
    }

    public var log: String { lock.withLock { logText } }
    public var baseURL: String { "http://127.0.0.1:\(port)" }

    public func signal(_ number: Int32) { kill(process.processIdentifier, number) }

    /// Sends SIGTERM (if still running) and returns the exit status.
    @discardableResult
    public func stop(timeout: Double = 30) -> Int32 {
        if process.isRunning { signal(SIGTERM) }
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() }
        errorPipe.fileHandleForReading.readabilityHandler = nil
        return process.terminationStatus
    }

    deinit { if process.isRunning { stop() } }
}

/// The converted Megvii models for service tests, made once per test process with the library.
public enum ServiceModels {
    nonisolated(unsafe) private static var paths: [String: String] = [:]
    private static let lock = NSLock()

    public static func path(_ groups: String) throws -> String {
        try lock.withLock {
            if let path = paths[groups] { return path }
            let model = try Checkpoints.pretrained(groups) // also validates the conversion
            _ = model
            let source = try MappedFile(path: try SharedFixtures.path("models/\(Checkpoints.names[groups]!)"))
            let labels = try ClassLabel.parseSynsetList(String(decoding: try SharedFixtures.data("models/imagenet_synsets.txt"), as: UTF8.self))
            let bytes = try CheckpointConverter.convert(source.bytes, name: "shufflenet_v1_\(groups)_0.5x", labels: labels)
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("shufflenet-service-test-\(getpid())-\(groups).safetensors").path
            guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else { throw RawClientError.failed("cannot write \(path)") }
            // The files are shared by every test of the process; they go when it exits (they used to pile up in /tmp).
            if paths.isEmpty { atexit { ServiceModels.removeFiles() } }
            paths[groups] = path
            return path
        }
    }

    private static func removeFiles() {
        for path in paths.values { try? FileManager.default.removeItem(atPath: path) }
    }
}

import CheckpointImport
import ShuffleNet
