import ArgumentParser
import Foundation
import ImageDecoding
import ShuffleNet
import ClassifierService
import MonotonicClock

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Time the inference engine: warm-up, then median/p90/p99 latency per call and images per second."
    )

    @Option(help: "A model file (.safetensors).") var model: String?
    @Option(help: "A named architecture with random weights, e.g. megvii-1x-g3.") var preset: String?
    @Option(help: "Images per call.") var batch: Int = 1
    @Option(help: "Intra-op threads (1 = the calling thread only).") var threads: Int = 1
    @Option(help: "Seconds to measure (after 0.5 s of warm-up).") var seconds: Double = 3
    @Flag(help: "Use the scalar reference pass instead of the SIMD engine.") var reference = false
    @Option(help: "Kernel set: baseline or avx512 (default: the fastest this CPU supports). [SHUFFLENET_KERNELS]") var kernels: String?
    @Flag(help: "Print JSON.") var json = false
    @Option(name: .customLong("dump-logits"), help: "Write the logits for --input (float32, little-endian) to this file and exit.") var dumpLogits: String?
    @Option(help: "A *.io.safetensors file whose 'input' tensor (1×3×S×S, NCHW) is used with --dump-logits.") var input: String?
    @Flag(help: "After timing, run the same calls again with every layer timed and print where the time goes (not with --reference; batches spread over threads as whole images are not profiled).") var profile = false
    @Option(name: .customLong("jpeg-scaling"), help: "With --image: exact or fast JPEG decoding (see classify --help).") var jpegScaling: DecodeSettings.JPEGScalingMode = .exact
    @Option(help: "A PNG or JPEG each call decodes and preprocesses into every image of the batch before inference (a request's path without HTTP); the stages are timed separately.") var image: String?

    func validate() throws {
        guard (model == nil) != (preset == nil) else { throw ValidationError("give exactly one of --model and --preset") }
        guard image == nil || model != nil else { throw ValidationError("--image needs --model (its preprocessing)") }
        guard batch >= 1, threads >= 1, seconds > 0 else { throw ValidationError("batch, threads and seconds must be positive") }
        guard image == nil || !reference else { throw ValidationError("--image times the SIMD engine's path; drop --reference") }
        guard !profile || !reference else { throw ValidationError("--profile times the SIMD engine's layers; drop --reference") }
        guard !profile || threads == 1 || batch < threads else {
            throw ValidationError("--profile needs batch < threads or one thread: a batch of \(batch) over \(threads) threads runs whole images per thread")
        }
    }

    func run() throws {
        let kernelSet = try kernels.map { name throws(KernelSet.ChoiceError) in try KernelSet.named(name) }
            ?? KernelSet.choose(environment: ProcessInfo.processInfo.environment)
        _ = try Int8Kernels.choose(environment: ProcessInfo.processInfo.environment)  // a bad SHUFFLENET_INT8_KERNELS is an error here
        let weights: ShuffleNetWeights
        let name: String
        let preprocessing: Preprocessing
        let engineWeights: EngineWeights
        if let model {
            let loaded = try ShuffleNetModel.load(path: model)
            (weights, name, preprocessing) = (loaded.weights, loaded.name, loaded.preprocessing)
            engineWeights = EngineWeights(loaded)
        } else {
            let config = try Presets.named(preset!)
            weights = try RandomWeights.make(config)
            (name, preprocessing) = (preset!, Preprocessing(cropSize: config.inputSize))
            engineWeights = .float(PackedNetwork(weights))
        }
        if case .int8 = engineWeights, profile { throw ValidationError("--profile times the float engine's layers; \(name) is an int8 model") }
        let config = weights.config
        if let dumpLogits {
            guard let input else { throw ValidationError("--dump-logits needs --input") }
            let file = try MappedFile(path: input)
            let header = try Safetensors.parseHeader(file.bytes)
            guard let entry = header.entries["input"], entry.shape.count == 4, entry.shape[1] == 3 else { throw ValidationError("\(input) has no 1×3×S×S 'input' tensor") }
            let classifier = ImageClassifier(name: name, engine: engineWeights, preprocessing: preprocessing, labels: [],
                                             kernels: kernelSet, inputSize: entry.shape[2])
            let logits = classifier.run([.tensor(values: try Safetensors.floats(entry, in: file.bytes), offset: 0)]).logits[0]
            guard FileManager.default.createFile(atPath: dumpLogits, contents: logits.withUnsafeBytes { Data($0) }) else { throw ValidationError("cannot write \(dumpLogits)") }
            return
        }
        // Per call: milliseconds spent decoding, preprocessing and in inference (the first two stay 0 without --image).
        var stages = (decode: [Double](), preprocess: [Double](), inference: [Double]())
        let call: () throws -> Void
        var profiled: InferenceSession?
        if reference {
            let session = ReferenceSession(weights: weights)
            let synthetic = ClassifierInput.syntheticTensor(side: config.inputSize, seed: Self.seed)
            call = { for _ in 0..<batch { _ = session.logits(for: synthetic) } }
        } else {
            let classifier = ImageClassifier(name: name, engine: engineWeights, preprocessing: preprocessing, labels: [],
                                             maxBatch: batch, threads: threads, kernels: kernelSet)
            profiled = classifier.session as? InferenceSession
            classifier.load(Array(repeating: .synthetic(seed: Self.seed), count: batch))
            if let path = self.image {
                guard let data = FileManager.default.contents(atPath: path) else { throw ValidationError("cannot read \(path)") }
                let bytes = [UInt8](data)
                let settings = DecodeSettings(limits: DecodeLimits(maxPixels: Int.max), jpegScaling: jpegScaling)
                let header = try ClassificationPipeline.probe(bytes, limits: settings.limits).get()
                call = {
                    let t0 = Self.milliseconds()
                    let rgb = try ClassificationPipeline.decode(bytes, header: header, settings: settings, for: classifier).get()
                    let t1 = Self.milliseconds()
                    let output = classifier.run(Array(repeating: .rgb(pixels: rgb.pixels, width: rgb.width, height: rgb.height), count: batch))
                    stages.decode.append(t1 - t0)
                    stages.preprocess.append(output.preprocessSeconds * 1e3)
                    stages.inference.append(output.inferenceSeconds * 1e3)
                }
            } else {
                call = { classifier.infer(batch: batch) }
            }
        }
        let warmup = Monotonic.now() + 0.5
        while Monotonic.now() < warmup { try call() }
        stages = ([], [], [])
        var samples: [Double] = []
        let end = Monotonic.now() + seconds
        while Monotonic.now() < end || samples.count < 5 {
            let start = Self.milliseconds()
            try call()
            samples.append(Self.milliseconds() - start)
        }
        samples.sort()
        func percentile(_ p: Double) -> Double { samples[min(samples.count - 1, Int(Double(samples.count) * p))] }
        let median = percentile(0.5)
        let engine = switch (reference, engineWeights) {
        case (true, _): "reference"
        case (false, .float): "simd \(kernelSet.rawValue)"
        case (false, .int8): "int8 \(Int8Kernels.best.rawValue)"
        }
        let imagesPerSecond = Double(batch) / (median / 1000)
        let gmacs = Double(Complexity(config).multiplyAdds) * Double(batch) / (median / 1000) / 1e9
        // Stage medians before the profiled calls below, which also run through `call` and would be counted.
        func medianOf(_ values: [Double]) -> Double { values.isEmpty ? 0 : values.sorted()[values.count / 2] }
        let stageMedians = (decode: medianOf(stages.decode), preprocess: medianOf(stages.preprocess), inference: medianOf(stages.inference))
        // The same calls again with every layer timed (the first profiled pass names the rows and is dropped).
        var report: LayerProfileReport?
        if profile, let session = profiled {
            let layers = LayerProfile()
            session.profile = layers
            try call()
            layers.reset()
            for _ in 0..<samples.count { try call() }
            session.profile = nil
            report = LayerProfileReport(layers)
        }
        if json {
            var object: [String: Any] = [
                "model": name, "engine": engine, "batch": batch, "threads": threads, "calls": samples.count,
                "median_ms": median, "p90_ms": percentile(0.9), "p99_ms": percentile(0.99), "images_per_second": imagesPerSecond, "gmac_per_second": gmacs,
            ]
            if let report { object["profile"] = report.json }
            if image != nil {
                object["stages_median_ms"] = ["decode": stageMedians.decode, "preprocess": stageMedians.preprocess, "inference": stageMedians.inference]
            }
            print(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self))
        } else {
            print(String(format: "%@ (%@, batch %d, %d thread%@): median %.3f ms, p90 %.3f, p99 %.3f over %d calls; %.0f images/s; %.1f GMAC/s",
                         name, engine, batch, threads, threads == 1 ? "" : "s", median, percentile(0.9), percentile(0.99),
                         samples.count, imagesPerSecond, gmacs))
            if let image = self.image {
                print(String(format: "  per call with %@: decode %.3f ms, preprocess %.3f ms (×%d), inference %.3f ms (medians)",
                             image, stageMedians.decode, stageMedians.preprocess, batch, stageMedians.inference))
            }
        }
        if let report, !json { print(report.text) }
    }

    /// The synthetic input's seed: fixed, so every run times the same numbers.
    static let seed: UInt64 = 7

    /// Bench reports milliseconds; the clock counts seconds.
    static func milliseconds() -> Double { Monotonic.now() * 1e3 }
}
