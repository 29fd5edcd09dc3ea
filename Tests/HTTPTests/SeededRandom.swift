import Foundation

/// A deterministic random generator for tests (xorshift64*, Vigna 2016): the seed comes from
/// `HTTP_TEST_SEED` (decimal or 0x-hex) or a fixed default, and is printed, so a failure can be replayed.
struct SeededRandom: RandomNumberGenerator {
    static let defaultSeed: UInt64 = 0x5EED_4_4774

    let seed: UInt64
    private var state: UInt64

    /// - Parameter test: named in the printed line, to tell which test used which seed.
    init(test: String) {
        let text = ProcessInfo.processInfo.environment["HTTP_TEST_SEED"] ?? ""
        let given = text.hasPrefix("0x") ? UInt64(text.dropFirst(2), radix: 16) : UInt64(text)
        self.init(seed: given ?? Self.defaultSeed)
        print("\(test): random seed \(seed) (replay with HTTP_TEST_SEED=\(seed))")
    }

    init(seed: UInt64) {
        self.seed = seed
        state = seed == 0 ? 0x9E37_79B9_7F4A_7C15 : seed // xorshift never leaves 0
    }

    mutating func next() -> UInt64 {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        return state &* 0x2545_F491_4F6C_DD1D
    }
}
