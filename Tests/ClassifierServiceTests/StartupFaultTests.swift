import Foundation
import ShuffleNet
import TestSupport
import XCTest

/// `shufflenet serve` given a broken model file, a bad labels list or a busy port: a one-line message that
/// names the problem and a non-zero exit status — never a crash (a signal) and never a half-started server.
final class StartupFaultTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws { folder = try Checkpoints.temporaryDirectory() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    /// Runs `serve` with one model file and returns its result; it must exit on its own.
    func serve(model path: String) throws -> ProcessResult {
        try runProcess(ServiceProcess.binary, ["serve", "--host", "127.0.0.1", "--port", "0", "--model", path])
    }

    func assertRefused(_ result: ProcessResult, mentioning parts: [String], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertFalse(result.signalled, "crashed: \(result.stderr)", file: file, line: line)
        XCTAssertNotEqual(result.status, 0, "exited 0: \(result.stderr)", file: file, line: line)
        for part in parts { XCTAssertTrue(result.stderr.contains(part), "'\(part)' not in: \(result.stderr)", file: file, line: line) }
        XCTAssertFalse(result.stderr.contains(" ready"), "became ready with a broken model", file: file, line: line)
        print("refused (exit \(result.status)): \(result.stderr.trimmingCharacters(in: .whitespacesAndNewlines).suffix(300))")
    }

    /// A model file written with the given tensors and metadata.
    func write(_ name: String, tensors: [Safetensors.OutputTensor], metadata: [String: String]) throws -> String {
        let url = folder.appendingPathComponent(name)
        try Data(Safetensors.serialize(tensors, metadata: metadata)).write(to: url)
        return url.path
    }

    /// The real g3 model's tensors and metadata, to be broken one way at a time.
    func realModel() throws -> (tensors: [Safetensors.OutputTensor], metadata: [String: String], bytes: Data) {
        let data = try Data(contentsOf: URL(fileURLWithPath: try ServiceModels.path("g3")))
        return try data.withUnsafeBytes { raw in
            let header = try Safetensors.parseHeader(raw)
            let tensors = header.names.map { name -> Safetensors.OutputTensor in
                let entry = header.entries[name]!
                return Safetensors.OutputTensor(name: name, dtype: entry.dtype, shape: entry.shape, data: Array(raw[entry.byteRange]))
            }
            return (tensors, header.metadata, data)
        }
    }

    func testMissingTruncatedAndCorruptedModelFiles() throws {
        assertRefused(try serve(model: folder.appendingPathComponent("absent.safetensors").path), mentioning: ["cannot load model", "absent.safetensors"])

        let real = try realModel()
        let truncated = folder.appendingPathComponent("truncated.safetensors")
        try real.bytes.prefix(real.bytes.count / 2).write(to: truncated)
        assertRefused(try serve(model: truncated.path), mentioning: ["cannot load model", "truncated.safetensors"])

        let empty = folder.appendingPathComponent("empty.safetensors")
        try Data().write(to: empty)
        assertRefused(try serve(model: empty.path), mentioning: ["cannot load model"])

        // The header's JSON with one byte changed to garbage.
        var corrupted = real.bytes
        corrupted[12] = 0xFF
        let corruptedURL = folder.appendingPathComponent("corrupted.safetensors")
        try corrupted.write(to: corruptedURL)
        assertRefused(try serve(model: corruptedURL.path), mentioning: ["cannot load model", "corrupted.safetensors"])

        // A header length far beyond the file.
        var hugeHeader = real.bytes
        hugeHeader.replaceSubrange(0..<8, with: withUnsafeBytes(of: UInt64(1 << 40).littleEndian) { Data($0) })
        let hugeURL = folder.appendingPathComponent("huge-header.safetensors")
        try hugeHeader.write(to: hugeURL)
        assertRefused(try serve(model: hugeURL.path), mentioning: ["cannot load model"])

        // Not a model at all: a PNG renamed.
        assertRefused(try serve(model: try SharedFixtures.path("images/chelsea.png")), mentioning: ["cannot load model"])
        // A directory stands for its *.safetensors files: these broken ones are refused by name.
        assertRefused(try serve(model: folder.path), mentioning: ["cannot load model", folder.path])
        // A directory without any.
        let bare = folder.appendingPathComponent("bare")
        try FileManager.default.createDirectory(at: bare, withIntermediateDirectories: false)
        try Data("not a model".utf8).write(to: bare.appendingPathComponent("README.txt"))
        assertRefused(try serve(model: bare.path), mentioning: ["holds no *.safetensors file", bare.path])
    }

    func testWrongArchitecturesAreNamed() throws {
        let real = try realModel()
        // Metadata that claims groups 8 for g3 weights: shapes disagree, and the message names a tensor.
        var claims8 = real.metadata
        let arch = try XCTUnwrap(claims8["arch"])
        claims8["arch"] = arch.replacingOccurrences(of: "\"groups\":3", with: "\"groups\":8")
        XCTAssertNotEqual(claims8["arch"], arch, "the arch metadata spells groups as expected")
        let wrong = try write("claims-g8.safetensors", tensors: real.tensors, metadata: claims8)
        assertRefused(try serve(model: wrong), mentioning: ["cannot load model"])

        // An architecture that is not ShuffleNet-valid (a width that breaks divisibility by g).
        var invalid = real.metadata
        invalid["arch"] = arch.replacingOccurrences(of: "\"groups\":3", with: "\"groups\":7")
        assertRefused(try serve(model: try write("g7.safetensors", tensors: real.tensors, metadata: invalid)), mentioning: ["cannot load model"])

        // A tensor missing.
        let missing = try write("missing-tensor.safetensors", tensors: real.tensors.filter { !$0.name.hasSuffix("classifier.0.weight") }, metadata: real.metadata)
        assertRefused(try serve(model: missing), mentioning: ["cannot load model", "classifier"])
    }

    func testUnreadableLabelsListsAreRefused() throws {
        let real = try realModel()
        var notJSON = real.metadata
        notJSON["labels"] = "[{\"synset\": \"n01440764\", \"label\": "
        assertRefused(try serve(model: try write("labels-not-json.safetensors", tensors: real.tensors, metadata: notJSON)), mentioning: ["cannot load model", "labels"])

        var tooFew = real.metadata
        tooFew["labels"] = "[{\"name\":\"tench\",\"synset\":\"n01440764\"}]"
        assertRefused(try serve(model: try write("labels-one.safetensors", tensors: real.tensors, metadata: tooFew)), mentioning: ["cannot load model", "1 labels for 1000 classes"])

        // `convert --labels` with a labels file that cannot be read, or holds the wrong number of lines.
        let checkpoint = try SharedFixtures.path("models/shufflenetv1_g3_0.5x.pth.tar")
        let out = folder.appendingPathComponent("out.safetensors").path
        let unreadable = try runProcess(ServiceProcess.binary, ["convert", checkpoint, "--out", out, "--labels", folder.path])
        assertRefused(unreadable, mentioning: [folder.lastPathComponent])
        let short = folder.appendingPathComponent("short.txt")
        try "n01440764 tench\n".write(to: short, atomically: true, encoding: .utf8)
        assertRefused(try runProcess(ServiceProcess.binary, ["convert", checkpoint, "--out", out, "--labels", short.path]), mentioning: ["labels"])
        let binary = folder.appendingPathComponent("binary.txt")
        try Data([0xFF, 0xFE, 0x00, 0x80, 0x0A]).write(to: binary)
        assertRefused(try runProcess(ServiceProcess.binary, ["convert", checkpoint, "--out", out, "--labels", binary.path]), mentioning: ["labels"])
    }

    func testAPortInUseIsNamed() throws {
        let holder = try ServiceProcess(models: [try ServiceModels.path("g3")], arguments: ["--workers", "1"])
        defer { holder.stop() }
        let busy = try runProcess(ServiceProcess.binary, ["serve", "--host", "127.0.0.1", "--port", String(holder.port), "--model", try ServiceModels.path("g3")])
        assertRefused(busy, mentioning: ["Address already in use", String(holder.port)])
    }
}
