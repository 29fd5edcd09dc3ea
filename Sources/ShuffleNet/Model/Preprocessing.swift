import Foundation

/// How an RGB8 image becomes the network's input tensor; stored in the model file's metadata.
/// The Megvii checkpoints: shorter side → 256 (bilinear, antialiased), centre crop 224, BGR, 0…255.
public struct Preprocessing: Sendable, Hashable, Codable {
    public enum ChannelOrder: String, Sendable, Codable { case rgb = "RGB", bgr = "BGR" }

    public var resizeShorterSide: Int  // pixels; the shorter side is scaled to this before cropping
    public var cropSize: Int           // pixels; centre crop, equal to the model's input size
    public var channelOrder: ChannelOrder
    public var valueScale: Float       // a sample s (0…255) becomes s / 255 × valueScale: 255 keeps 0…255
    public var mean: [Float]           // per channel in `channelOrder`, subtracted after scaling
    public var std: [Float]            // per channel, divided after the mean
    public var interpolation: String   // "bilinear" (Pillow's, antialiased when shrinking)

    public init(resizeShorterSide: Int = 256, cropSize: Int = 224, channelOrder: ChannelOrder = .bgr,
                valueScale: Float = 255, mean: [Float] = [0, 0, 0], std: [Float] = [1, 1, 1], interpolation: String = "bilinear") {
        self.resizeShorterSide = resizeShorterSide
        self.cropSize = cropSize
        self.channelOrder = channelOrder
        self.valueScale = valueScale
        self.mean = mean
        self.std = std
        self.interpolation = interpolation
    }

    public static let megvii = Preprocessing()

    enum CodingKeys: String, CodingKey {
        case resizeShorterSide = "resize_shorter_side", cropSize = "crop_size", channelOrder = "channel_order"
        case valueScale = "value_scale", mean, std, interpolation
    }

    func validate() throws(WeightsError) {
        guard resizeShorterSide >= cropSize, cropSize > 0 else {
            throw .badMetadata(key: "preprocessing", reason: "resize_shorter_side \(resizeShorterSide) must be ≥ crop_size \(cropSize) > 0")
        }
        guard mean.count == 3, std.count == 3, std.allSatisfy({ $0 != 0 && $0.isFinite }), mean.allSatisfy(\.isFinite), valueScale.isFinite else {
            throw .badMetadata(key: "preprocessing", reason: "mean and std need 3 finite values each, std non-zero")
        }
        guard interpolation == "bilinear" else {
            throw .badMetadata(key: "preprocessing", reason: "interpolation '\(interpolation)' is not supported (only bilinear)")
        }
    }
}

/// One class of the classifier: WordNet synset id and its first English name.
public struct ClassLabel: Sendable, Hashable, Codable {
    public let synset: String  // "n02124075"
    public let name: String    // "Egyptian cat"

    public init(synset: String, name: String) {
        self.synset = synset
        self.name = name
    }

    /// Parses the ILSVRC list format, one `nXXXXXXXX name, synonyms` per line, in class order.
    public static func parseSynsetList(_ text: String) throws(WeightsError) -> [ClassLabel] {
        var labels: [ClassLabel] = []
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.isEmpty { continue }
            let parts = trimmed.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, parts[0].count > 1 else {
                throw .badMetadata(key: "labels", reason: "line \(number + 1) is not 'synset name': \(trimmed.prefix(60))")
            }
            let name = parts[1].split(separator: ",", maxSplits: 1).first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
            labels.append(ClassLabel(synset: String(parts[0]), name: name))
        }
        return labels
    }
}
