import CheckpointImport
import Foundation
import ShuffleNet

/// Converted pretrained models, made once per test process from `../shared/models`.
public enum Checkpoints {
    public static let names = ["g3": "shufflenetv1_g3_0.5x.pth.tar", "g8": "shufflenetv1_g8_0.5x.pth.tar"]

    nonisolated(unsafe) private static var cache: [String: ShuffleNetModel] = [:]
    private static let lock = NSLock()

    /// The Megvii 0.5× checkpoint for `groups` ("g3" or "g8"), converted in memory with the ImageNet labels.
    public static func pretrained(_ groups: String) throws -> ShuffleNetModel {
        lock.lock()
        defer { lock.unlock() }
        if let model = cache[groups] { return model }
        let source = try MappedFile(path: try SharedFixtures.path("models/\(names[groups]!)"))
        let labelsText = String(decoding: try SharedFixtures.data("models/imagenet_synsets.txt"), as: UTF8.self)
        let bytes = try CheckpointConverter.convert(source.bytes, name: "shufflenet_v1_\(groups)_0.5x", labels: try ClassLabel.parseSynsetList(labelsText))
        let model = try bytes.withUnsafeBytes { try ShuffleNetModel.parse($0) }
        cache[groups] = model
        return model
    }

    /// Runs `body` over the bytes of `array` as a raw buffer (the form every parser takes).
    public static func withBytes<T>(_ array: [UInt8], _ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        try array.withUnsafeBytes(body)
    }

    /// A fresh temporary directory, removed by the caller.
    public static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("shufflenet-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

/// Runs a command to completion and returns its exit status and output.
public struct ProcessResult {
    public let status: Int32
    public let stdout: String
    public let stderr: String
    /// True when the process died of a signal (a crash: SIGILL, SIGSEGV, SIGABRT…) rather than exiting.
    public var signalled = false
}

public func runProcess(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) throws -> ProcessResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let environment { process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new } }
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    // Read before waiting so a full pipe cannot deadlock the child.
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    let stderr = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return ProcessResult(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self),
                         signalled: process.terminationReason == .uncaughtSignal)
}
