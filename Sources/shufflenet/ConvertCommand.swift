import ArgumentParser
import CheckpointImport
import Foundation
import ShuffleNet

struct ConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Convert a PyTorch checkpoint (legacy or zip torch.save, or bare safetensors) into a self-describing model file.",
        discussion: "The architecture is inferred from tensor shapes. Pickles are read by a restricted unpickler that never executes code."
    )

    @Argument(help: "The checkpoint: .pth/.pth.tar/.pt (PyTorch) or .safetensors without metadata.")
    var checkpoint: String

    @Option(name: .long, help: "Where to write the model file (.safetensors).")
    var out: String

    @Option(name: .long, help: "Class labels, one 'nXXXXXXXX name, synonyms' per line, in class order.")
    var labels: String?

    @Option(name: .long, help: "The model's name (default: the output file's name without extension).")
    var name: String?

    @Option(name: .customLong("input-size"), help: "Pixels per side of the network's input (a multiple of 32; default 224). Images are resized so the shorter side is input × 256/224, then centre-cropped to it.")
    var inputSize: Int = 224

    func run() throws {
        let source = try MappedFile(path: checkpoint)
        var classLabels: [ClassLabel] = []
        if let labels {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: labels, isDirectory: &isDirectory), !isDirectory.boolValue else {
                throw CommandFailure("cannot read the labels file \(labels): not a file")
            }
            guard let data = FileManager.default.contents(atPath: labels) else {
                throw CommandFailure("cannot read the labels file \(labels): permission denied or unreadable")
            }
            guard let text = String(validating: data, as: UTF8.self) else {
                throw CommandFailure("cannot read the labels file \(labels): not UTF-8 text")
            }
            classLabels = try ClassLabel.parseSynsetList(text)
        }
        let modelName = name ?? URL(fileURLWithPath: out).deletingPathExtension().lastPathComponent
        guard inputSize >= 32, inputSize % 32 == 0 else {
            throw CommandFailure("--input-size must be a positive multiple of 32 (got \(inputSize))")
        }
        let preprocessing = Preprocessing(resizeShorterSide: (inputSize * 256 + 112) / 224, cropSize: inputSize)
        let bytes = try CheckpointConverter.convert(source.bytes, name: modelName, labels: classLabels, preprocessing: preprocessing)

        // Write beside the target, then rename: a reader never sees a half-written model.
        let temporary = out + ".partial"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(bytes)) else {
            throw CommandFailure("cannot write \(temporary)")
        }
        if FileManager.default.fileExists(atPath: out) { try FileManager.default.removeItem(atPath: out) }
        try FileManager.default.moveItem(atPath: temporary, toPath: out)

        let model = try ShuffleNetModel.load(path: out)
        let cost = Complexity(model.config)
        print("wrote \(out): \(model.name), \(model.config), \(cost.parameters) parameters, \(String(format: "%.1f", cost.mflops)) MFLOPs, \(model.labels.count) labels")
    }
}
