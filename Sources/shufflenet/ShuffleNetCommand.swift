import ArgumentParser

@main
struct ShuffleNetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shufflenet",
        abstract: "ShuffleNet v1 image classification on the CPU.",
        subcommands: [ServeCommand.self, ClassifyCommand.self, ConvertCommand.self, QuantizeCommand.self, InfoCommand.self, BenchCommand.self, HealthcheckCommand.self]
    )
}

/// Where the default model lives: $SHUFFLENET_MODEL, else the file the README's main command prepares.
enum DefaultModel {
    static var path: String {
        ProcessInfo.processInfo.environment["SHUFFLENET_MODEL"].flatMap { $0.isEmpty ? nil : $0 }
            ?? "models/shufflenet_v1_g3_0.5x.safetensors"
    }
}

import Foundation
