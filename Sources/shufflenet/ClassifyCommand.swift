import ArgumentParser
import Foundation
import ImageDecoding
import ShuffleNet
import ClassifierService

struct ClassifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "classify",
        abstract: "Classify PNG and JPEG images and print the most probable ImageNet classes."
    )

    @Option(name: .long, help: "Model file (.safetensors). Default: $SHUFFLENET_MODEL or models/shufflenet_v1_g3_0.5x.safetensors.")
    var model: String?

    @Option(name: .customLong("top-k"), help: "How many classes to print per image.")
    var topK: Int = 5

    @Option(name: .customLong("max-pixels"), help: "Refuse images with more pixels than this (judged from the image header).")
    var maxPixels: Int = DecodeLimits().maxPixels

    @Option(help: "apply: rotate and mirror JPEGs as their EXIF orientation says (what a person sees); ignore: the pixels as stored.")
    var orientation: DecodeOptions.Orientation = .apply

    @Option(name: .customLong("jpeg-scaling"), help: "exact: full-size JPEG decoding (Pillow's pixels); fast: reduced by 1/2, 1/4 or 1/8 in the IDCT while the shorter side stays at least the model's resize target.")
    var jpegScaling: DecodeSettings.JPEGScalingMode = .exact

    @Flag(name: .long, help: "Print JSON instead of text.")
    var json = false

    @Argument(help: "PNG or JPEG files to classify.")
    var images: [String]

    func validate() throws {
        guard topK >= 1 else { throw ValidationError("--top-k must be at least 1 (got \(topK))") }
        guard maxPixels >= 1 else { throw ValidationError("--max-pixels must be positive") }
        guard !images.isEmpty else { throw ValidationError("name at least one image") }
    }

    func run() throws {
        let loaded = try ShuffleNetModel.load(path: model ?? DefaultModel.path)
        _ = try Int8Kernels.choose(environment: ProcessInfo.processInfo.environment)  // a bad SHUFFLENET_INT8_KERNELS is an error here
        let classifier = ImageClassifier(model: loaded, engine: EngineWeights(loaded),
                                         kernels: try KernelSet.choose(environment: ProcessInfo.processInfo.environment))
        let k = min(topK, loaded.config.classes)
        let settings = DecodeSettings(limits: DecodeLimits(maxPixels: maxPixels), orientation: orientation, jpegScaling: jpegScaling)
        var results: [[String: Any]] = []
        var failures = 0
        for path in images {
            let outcome = readFile(path).flatMap { ClassificationPipeline.classify($0, settings: settings, classifier: classifier, topK: k) }
            switch outcome {
            case .success(let result):
                if json {
                    results.append(["image": path, "width": result.width, "height": result.height, "model": result.model,
                                    "predictions": result.predictions.map(Self.jsonObject)])
                } else {
                    print("\(path) (\(result.width)×\(result.height)) — \(result.model)")
                    for (rank, p) in result.predictions.enumerated() {
                        let name = p.label.map { "\($0.name) (\($0.synset), index \(p.index))" } ?? "class \(p.index)"
                        print(String(format: "  %d. %@  %.4f", rank + 1, name, p.probability))
                    }
                }
            case .failure(let error):
                failures += 1
                FileHandle.standardError.write(Data("error: \(path): \(error.message)\n".utf8))
                if json { results.append(["image": path, "error": ["code": error.code, "message": error.message]]) }
            }
        }
        if json {
            let data = try JSONSerialization.data(withJSONObject: results, options: [.prettyPrinted, .sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        }
        if failures > 0 { throw ExitCode(1) }
    }

    static func jsonObject(_ p: Prediction) -> [String: Any] {
        var object: [String: Any] = ["index": p.index, "probability": Double(p.probability)]
        if let label = p.label {
            object["synset"] = label.synset
            object["label"] = label.name
        }
        return object
    }

    private func readFile(_ path: String) -> Result<[UInt8], ClassificationError> {
        guard let data = FileManager.default.contents(atPath: path) else { return .failure(.missingImage("cannot read \(path)")) }
        return .success([UInt8](data))
    }
}

extension DecodeOptions.Orientation: ExpressibleByArgument {}
extension DecodeSettings.JPEGScalingMode: ExpressibleByArgument {}
