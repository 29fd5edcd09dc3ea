import ArgumentParser
import Foundation
import ShuffleNet

struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Print a model's or preset's architecture, parameter count and complexity (MFLOPs = multiply-adds).",
        discussion: "Presets: \(Presets.all.map(\.name).joined(separator: ", "))"
    )

    @Option(name: .long, help: "A model file (.safetensors).")
    var model: String?

    @Option(name: .long, help: "A named architecture, e.g. megvii-0.5x-g3 or paper-1x-g8.")
    var preset: String?

    @Flag(name: .customLong("paper-table"), help: "Reproduce the paper's complexity table.")
    var paperTable = false

    @Flag(name: .long, help: "Print JSON.")
    var json = false

    func validate() throws {
        let chosen = [model != nil, preset != nil, paperTable].filter { $0 }.count
        guard chosen <= 1 else { throw ValidationError("choose one of --model, --preset and --paper-table") }
    }

    func run() throws {
        if paperTable { return printPaperTable() }
        let name: String, config: ShuffleNetConfig
        if let preset {
            (name, config) = (preset, try Presets.named(preset))
            try config.validate()
        } else {
            let loaded = try ShuffleNetModel.load(path: model ?? DefaultModel.path)
            (name, config) = (loaded.name, loaded.config)
        }
        let cost = Complexity(config)
        if json {
            let object: [String: Any] = [
                "name": name, "groups": config.groups, "stem": config.stem, "widths": config.widths,
                "repeats": config.repeats, "classes": config.classes, "input_size": config.inputSize,
                "parameters": cost.parameters, "mflops": (cost.mflops * 1000).rounded() / 1000,
            ]
            let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print("\(name): ShuffleNet v1 \(config)")
            print(String(format: "parameters: %d (%.2f M)", cost.parameters, Double(cost.parameters) / 1e6))
            print(String(format: "complexity: %.2f MFLOPs (multiply-adds per %d×%d image)", cost.mflops, config.inputSize, config.inputSize))
        }
    }

    private func printPaperTable() {
        print("ShuffleNet v1 complexity at 224×224, counted as the paper counts it (multiply-adds of convs and FC)")
        print("scale  g  stem  stage widths      params      MFLOPs   paper   difference")
        for row in PaperTable.rows {
            let config = row.config
            let cost = Complexity(config)
            let diff = (cost.mflops - row.paperMFLOPs) / row.paperMFLOPs * 100
            let widths = config.widths.map(String.init).joined(separator: "/")
            print(String(format: "%4.2fx  %d  %4d  %-16@  %9d  %7.1f  %6.0f   %+5.1f%%",
                         row.scale, row.groups, config.stem, widths, cost.parameters, cost.mflops, row.paperMFLOPs, diff))
        }
        printComparison()
    }

    /// The paper's comparison with MobileNet (its Table 5) under the paper's names: our count of each ShuffleNet
    /// row (presets paper-2.0x-g3-se and paper-0.5x-g3-shallow for the SE and shallow ones), the MobileNet rows
    /// as the paper quotes them.
    private func printComparison() {
        print("")
        print("The paper's comparison with MobileNet (Table 5); MobileNet rows are quoted from the paper, not computed")
        print("model                               MFLOPs   paper   difference   top-1 error (paper)")
        for row in PaperTable.comparison {
            let name = row.name.padding(toLength: 34, withPad: " ", startingAt: 0)
            if let config = row.config {
                let mflops = Complexity(config).mflops
                let diff = (mflops - row.paperMFLOPs) / row.paperMFLOPs * 100
                print(String(format: "%@  %7.1f  %6.0f   %+5.1f%%       %4.1f %%", name, mflops, row.paperMFLOPs, diff, row.paperError))
            } else {
                print(String(format: "%@   quoted  %6.0f   (quoted)     %4.1f %%", name, row.paperMFLOPs, row.paperError))
            }
        }
    }
}
