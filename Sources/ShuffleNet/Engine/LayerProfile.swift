
/// Where a forward pass spends its time, layer by layer, for `shufflenet bench --profile`.
///
/// Attach one to `InferenceSession.profile`: every step the calling thread runs is then timed (a layer split
/// across helper threads counts once, from the caller's side, so its time is the slowest part's). Profiling is
/// for benchmarks: it names each layer with a String and grows its rows on the first pass, which the
/// zero-allocation guarantee of `forward` does not cover. Batches spread over threads as whole images are
/// not profiled (each thread runs its own images), and the rows stay empty for them.
public final class LayerProfile: @unchecked Sendable {
    public struct Row: Sendable {
        /// e.g. "stage 3 unit 0 · 1×1 compress (g3)".
        public let name: String
        /// What kind of layer, for totals across the network: "1×1 compress", "depthwise 3×3", …
        public let kind: String
        /// Multiply-adds per call (0 for layers that only move or compare data).
        public let multiplyAdds: Int
        public internal(set) var seconds = 0.0
        public internal(set) var calls = 0
    }

    public private(set) var rows: [Row] = []
    private var rowIndex: [String: Int] = [:]

    public init() {}

    /// Forgets every timing (e.g. after a warm-up).
    public func reset() {
        rows.removeAll()
        rowIndex.removeAll()
    }

    func record(name: String, kind: String, multiplyAdds: Int, seconds: Double) {
        let index: Int
        if let known = rowIndex[name] {
            index = known
        } else {
            index = rows.count
            rowIndex[name] = index
            rows.append(Row(name: name, kind: kind, multiplyAdds: multiplyAdds))
        }
        rows[index].seconds += seconds
        rows[index].calls += 1
    }

    /// Seconds on the monotonic clock.
}
