import ArgumentParser
import ClassifierService
import Foundation
import ImageDecoding
import ShuffleNet

struct QuantizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quantize",
        abstract: "Quantize a float model to int8 (post-training, static): per-channel int8 weights, uint8 activations calibrated on images.",
        discussion: """
            The output is a model file like any other: serve, classify, bench and the V2 routes run it on the int8 engine with no \
            extra flag. Calibration runs the float network over the images and chooses each activation tensor's range by --method: \
            minmax (everything observed), percentile (the central 99.99 %, or percentile:P), entropy (KL divergence, for ReLU outputs), mse (the default: the least expected squared error). \
            Squeeze-and-excitation networks are not quantized.
            """
    )

    @Argument(help: "The float model file (.safetensors).")
    var model: String

    @Option(help: "A directory of calibration images (PNG or JPEG, any case of extension; symlinks followed; no labels needed).")
    var calibration: String

    @Option(help: "Where to write the int8 model file (.safetensors).")
    var out: String

    @Option(help: "minmax, percentile, percentile:P (50 < P ≤ 100) or entropy.")
    var method: String = CalibrationMethod.default.description

    @Option(name: .customLong("max-images"), help: "Use at most this many images (the first in name order).")
    var maxImages: Int = 100

    @Option(help: "Activation equalization strength α, 0…1 (0: off): the depthwise outputs' channels are rescaled by (range / widest)^α into the next 1×1 convolution's weights.")
    var equalization: Float = 0.5

    @Flag(name: .customLong("bias-correction"), inversion: .prefixedNo, help: "Correct each convolution's bias for its weights' rounding (weighted by the calibration images' mean inputs), then each unit's output drift (measured on them).")
    var biasCorrection = true

    @Option(help: "The model's name (default: the output file's name without extension).")
    var name: String?

    func validate() throws {
        guard CalibrationMethod(name: method) != nil else { throw ValidationError("--method must be minmax, percentile, percentile:P or entropy (got \(method))") }
        guard equalization >= 0, equalization <= 1 else { throw ValidationError("--equalization must be within 0…1") }
        guard maxImages >= 1 else { throw ValidationError("--max-images must be at least 1") }
    }

    func run() throws {
        let float = try ShuffleNetModel.load(path: model)
        guard float.quantized == nil else { throw CommandFailure("\(model) is already an int8 model (method \(float.quantized!.info.method))") }
        let paths = try Self.images(in: calibration)
        guard !paths.isEmpty else { throw CommandFailure("\(calibration) holds no PNG or JPEG files") }
        let used = Array(paths.prefix(maxImages))
        let settings = DecodeSettings()
        var images: [Activation] = []
        for path in used {
            guard let data = FileManager.default.contents(atPath: path) else { throw CommandFailure("cannot read \(path)") }
            let bytes = [UInt8](data)
            do {
                let header = try ImageDecoder.probe(bytes, limits: settings.limits)
                let rgb = try ImageDecoder.decode(bytes, header: header, options: settings.options(for: float.preprocessing))
                images.append(ImagePreprocessor.tensor(rgb: rgb.pixels, width: rgb.width, height: rgb.height, spec: float.preprocessing))
            } catch {
                throw CommandFailure("calibration image \(path): \(error)")
            }
        }
        let method = CalibrationMethod(name: method)!
        // The equalized network computes what the float one does; it is what gets calibrated and quantized.
        let weights = float.config.seReduction == nil ? Equalization.equalized(float.weights, images: images, alpha: equalization) : float.weights
        let info = try Calibration.calibrate(weights, images: images, methods: [method])[0]
        let modelName = name ?? URL(fileURLWithPath: out).deletingPathExtension().lastPathComponent
        let renamed = try ShuffleNetModel(name: modelName, weights: weights, preprocessing: float.preprocessing, labels: float.labels)
        let means = biasCorrection ? Calibration.inputMeans(weights, images: images) : nil
        let bytes = try renamed.quantizedFile(info, means: means, correctOn: biasCorrection ? images : [])
        // Write beside the target, then rename: a reader never sees a half-written model.
        let temporary = out + ".partial"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(bytes)) else { throw CommandFailure("cannot write \(temporary)") }
        if FileManager.default.fileExists(atPath: out) { try FileManager.default.removeItem(atPath: out) }
        try FileManager.default.moveItem(atPath: temporary, toPath: out)
        let written = try ShuffleNetModel.load(path: out)
        print("wrote \(out): \(written.name), int8 (\(info.method), \(info.calibrationImages) calibration images of \(paths.count) found), "
              + "\(bytes.count) bytes, \(written.config)")
    }

    /// The PNG and JPEG files in `directory` (by extension, any case; symlinks followed), sorted by name.
    static func images(in directory: String) throws -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw CommandFailure("--calibration \(directory) is not a directory")
        }
        let extensions: Set<String> = ["png", "jpg", "jpeg"]
        let names = try FileManager.default.contentsOfDirectory(atPath: directory)
        return names.sorted().compactMap { name -> String? in
            guard extensions.contains((name as NSString).pathExtension.lowercased()) else { return nil }
            let path = (directory as NSString).appendingPathComponent(name)
            // fileExists follows symlinks: a link to a regular file counts, a dangling link or a directory does not.
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else { return nil }
            return path
        }
    }
}
