// swift-tools-version:6.0
import PackageDescription

// The engine's CPU target, a build setting: SHUFFLENET_TARGET_CPU=skylake-avx512 (or znver4, native, …).
// Without one, SIMD fused multiply-adds become a libm call per lane (orders of magnitude slower).
// The default is safe for any x86-64 host of the last decade (AVX2 + FMA, "haswell"); arm64 needs none.
#if arch(x86_64)
let defaultTargetCPU = "haswell"
#else
let defaultTargetCPU = ""
#endif
// An empty value (e.g. a Docker build argument left blank) means the default; "none" means no flag at all.
let requestedCPU = Context.environment["SHUFFLENET_TARGET_CPU"] ?? ""
let targetCPU = requestedCPU.isEmpty ? defaultTargetCPU : (requestedCPU == "none" ? "" : requestedCPU)

// Release builds of the engine also want unchecked arithmetic in their inner loops; debug keeps the checks.
let engineSettings: [SwiftSetting] = [
    .unsafeFlags(["-Ounchecked"], .when(configuration: .release)),
] + (targetCPU.isEmpty ? [] : [.unsafeFlags(["-target-cpu", targetCPU])])

// The same kernel sources compiled a second time for AVX-512 (Sources/EngineKernelsAVX512 is a symlink to
// Sources/EngineKernels); the engine picks that copy at run time when cpuid says the CPU has it.
#if arch(x86_64)
let avx512Settings: [SwiftSetting] = [
    .unsafeFlags(["-Ounchecked"], .when(configuration: .release)),
    .unsafeFlags(["-target-cpu", "skylake-avx512"]),
    .define("ENGINE_AVX512"), // 32 vector registers: taller register tiles (PointwiseKernel)
]
#else
let avx512Settings = engineSettings // never chosen off x86-64; built only so that the engine links everywhere
#endif

let package = Package(
    name: "shufflenet-serve",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "shufflenet", targets: ["shufflenet"]),
        .library(name: "ShuffleNet", targets: ["ShuffleNet"]),
        .library(name: "ImageDecoding", targets: ["ImageDecoding"]),
        .library(name: "HTTP", targets: ["HTTP"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // <png.h> and -lpng16 through pkg-config.
        .systemLibrary(
            name: "CLibPNG",
            pkgConfig: "libpng",
            providers: [.apt(["libpng-dev"]), .brew(["libpng"])]
        ),
        // libpng reports errors by longjmp; this shim keeps setjmp/longjmp inside C frames.
        .target(name: "PNGShim", dependencies: ["CLibPNG"]),
        // <jpeglib.h> and -ljpeg (libjpeg-turbo, as Pillow, OpenCV and torchvision use) through pkg-config.
        .systemLibrary(
            name: "CLibJPEG",
            pkgConfig: "libjpeg",
            providers: [.apt(["libjpeg62-turbo-dev"]), .brew(["jpeg-turbo"])]
        ),
        // libjpeg's error_exit longjmps back into this shim, never to exit(); every libjpeg call lives in C.
        .target(name: "JPEGShim", dependencies: ["CLibJPEG"]),
        .target(name: "ImageDecoding", dependencies: ["PNGShim", "JPEGShim"]),
        // What every compiled copy of the kernels offers (`KernelCopy`): one conforming type per copy.
        .target(name: "KernelInterface"),
        // The SIMD kernels: pure functions over pointers, no types of the model. Built twice (see above).
        .target(name: "EngineKernels", dependencies: ["KernelInterface"], swiftSettings: engineSettings),
        .target(name: "EngineKernelsAVX512", dependencies: ["KernelInterface"], swiftSettings: avx512Settings),
        // cpuid: which kernel copy this CPU can run.
        .target(name: "CCPUFeatures"),
        // The int8 engine's kernels in C: one copy per instruction set in one binary (per-function target attributes,
        // no global -m flags), chosen at run time by cpuid. -ffp-contract=off: the requantization's float operations
        // are the explicit fmaf / FMA intrinsics of the contract in every copy, never a contraction the compiler picks.
        .target(name: "CInt8Kernels", cSettings: [.unsafeFlags(["-O3", "-ffp-contract=off"])],
                linkerSettings: [.linkedLibrary("m", .when(platforms: [.linux]))]),
        // The one monotonic clock every module measures durations with.
        .target(name: "MonotonicClock"),
        .target(name: "ShuffleNet", dependencies: ["KernelInterface", "EngineKernels", "EngineKernelsAVX512", "CCPUFeatures", "CInt8Kernels", "MonotonicClock"],
                swiftSettings: engineSettings),
        // `shufflenet convert`'s readers (restricted unpickler, torch.save legacy and zip): only the command line
        // imports them, so the service never parses a pickle.
        .target(name: "CheckpointImport", dependencies: ["ShuffleNet"]),
        // HTTP/1.1 server on POSIX sockets and Dispatch; knows nothing of ShuffleNet.
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]),
        // epoll wrappers (Linux): the event loop's only C.
        .target(name: "CEpollShim"),
        .target(name: "HTTP", dependencies: ["CZlib", "COpenSSL", "CEpollShim", "MonotonicClock"]),
        // The Open Inference Protocol (KServe V2) codec: requests in, responses, metadata and errors out; no model.
        // Core/ and Decoding/ import nothing (the v2-request fuzzer compiles them alone); Encoding/ uses HTTP.
        .target(name: "OpenInference", dependencies: ["HTTP"]),
        // The service: wires HTTP + decoding + the model pool + metrics; maps domain errors to statuses.
        .target(
            name: "ClassifierService",
            dependencies: [
                "HTTP", "ShuffleNet", "ImageDecoding", "MonotonicClock", "OpenInference",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            exclude: ["Web"] // embedded into WebPage.swift by scripts/embed-assets.sh
        ),
        .executableTarget(
            name: "shufflenet",
            dependencies: [
                "ShuffleNet", "CheckpointImport", "ImageDecoding", "ClassifierService", "MonotonicClock",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Load-test fixture: fixed bytes through the HTTP server, compared with nginx by Benchmarks/http/run.sh.
        .executableTarget(name: "http-fixed-response", dependencies: ["HTTP"], path: "Benchmarks/http-fixed-response"),
        // V2 codec throughput (Benchmarks/v2/run.sh): batch-8 requests decoded, logits responses encoded.
        .executableTarget(name: "v2-codec-bench", dependencies: ["OpenInference", "MonotonicClock"], path: "Benchmarks/v2", exclude: ["run.sh", "cpu.py"]),
        .target(name: "TestSupport", dependencies: ["ShuffleNet", "CheckpointImport"], path: "Tests/TestSupport"),
        // Counts heap allocations in the test process (the zero-allocation inference test).
        .target(name: "CMallocCounter", path: "Tests/CMallocCounter"),
        // The kernels' slow twins (`SlowKernels`), for tests only: no shipped target links them.
        .target(name: "KernelTwins", dependencies: ["KernelInterface", "EngineKernels", "CInt8Kernels"]),
        .testTarget(name: "ShuffleNetTests", dependencies: ["ShuffleNet", "CheckpointImport", "EngineKernels", "KernelTwins", "TestSupport",
                                                                 "CMallocCounter", "CInt8Kernels"]),
        // Fixtures/ holds the Pillow helper the tests run to make JPEGs and reference pixels at test time.
        .testTarget(name: "ImageDecodingTests", dependencies: ["ImageDecoding", "ShuffleNet", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "CLITests", dependencies: ["TestSupport"]),
        .testTarget(name: "HTTPTests", dependencies: ["HTTP", "TestSupport"]),
        .testTarget(name: "OpenInferenceTests", dependencies: ["OpenInference", "HTTP", "TestSupport"]),
        .testTarget(name: "ClassifierServiceTests", dependencies: ["ClassifierService", "HTTP", "ImageDecoding", "ShuffleNet", "TestSupport"]),
    ]
)
