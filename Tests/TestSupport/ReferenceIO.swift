import Foundation
import ShuffleNet

/// A `*.io.safetensors` golden: the input tensor (1×3×H×W, NCHW, BGR 0…255) and the expected logits.
public struct ReferenceIO {
    public let input: Activation
    public let logits: [Float]

    public init(path: String) throws {
        let file = try MappedFile(path: path)
        let header = try Safetensors.parseHeader(file.bytes)
        guard let input = header.entries["input"], let logits = header.entries["logits"] else {
            throw SharedFixtures.FixtureError.missing("\(path) lacks input/logits")
        }
        self.input = Activation(channels: input.shape[1], height: input.shape[2], width: input.shape[3],
                                data: try Safetensors.floats(input, in: file.bytes))
        self.logits = try Safetensors.floats(logits, in: file.bytes)
    }

    /// Largest |a − b| divided by the largest |expected| logit.
    public static func relativeError(_ actual: [Float], _ expected: [Float]) -> Float {
        let scale = expected.map(abs).max() ?? 1
        return zip(actual, expected).map { abs($0 - $1) }.max().map { $0 / scale } ?? .infinity
    }
}
