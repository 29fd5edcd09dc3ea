import Foundation
import ShuffleNet

/// `shufflenet bench --profile`'s tables: every layer in network order, then totals by kind of layer.
struct LayerProfileReport {
    let rows: [LayerProfile.Row]
    let calls: Int
    /// Milliseconds per call summed over the layers (the profiled pass, timers included).
    let totalMilliseconds: Double

    init(_ profile: LayerProfile) {
        rows = profile.rows
        calls = rows.map(\.calls).max() ?? 0
        totalMilliseconds = rows.reduce(0) { $0 + $1.seconds } * 1000 / Double(max(calls, 1))
    }

    private func milliseconds(_ seconds: Double) -> Double { seconds * 1000 / Double(max(calls, 1)) }

    /// GMAC/s of a layer (or of a kind's layers together); nil for layers that do no multiply-adds.
    private func rate(multiplyAdds: Int, seconds: Double) -> Double? {
        multiplyAdds > 0 && seconds > 0 ? Double(multiplyAdds) * Double(calls) / seconds / 1e9 : nil
    }

    /// Totals by kind, in the order each kind first appears.
    private var kinds: [(kind: String, seconds: Double, multiplyAdds: Int)] {
        var order: [String] = [], totals: [String: (Double, Int)] = [:]
        for row in rows {
            if totals[row.kind] == nil { order.append(row.kind) }
            let (seconds, macs) = totals[row.kind] ?? (0, 0)
            // A row's multiply-adds are per call; a kind's are summed over its rows (still per call).
            totals[row.kind] = (seconds + row.seconds, macs + row.multiplyAdds)
        }
        return order.map { (kind: $0, seconds: totals[$0]!.0, multiplyAdds: totals[$0]!.1) }
    }

    var text: String {
        var lines = [String(format: "per-layer profile over %d calls: %.3f ms per call in the layers", calls, totalMilliseconds), "",
                     "| layer | ms per call | share | GMAC/s |", "|---|---|---|---|"]
        func line(_ name: String, _ seconds: Double, _ macs: Int) -> String {
            let ms = milliseconds(seconds)
            let gmacs = rate(multiplyAdds: macs, seconds: seconds).map { String(format: "%.1f", $0) } ?? "–"
            return String(format: "| %@ | %.4f | %.1f%% | %@ |", name, ms, 100 * ms / max(totalMilliseconds, 1e-12), gmacs)
        }
        lines += rows.map { line($0.name, $0.seconds, $0.multiplyAdds) }
        lines += ["", "| kind of layer | ms per call | share | GMAC/s |", "|---|---|---|---|"]
        lines += kinds.map { line($0.kind, $0.seconds, $0.multiplyAdds) }
        return lines.joined(separator: "\n")
    }

    var json: [[String: Any]] {
        rows.map { row in
            var object: [String: Any] = ["layer": row.name, "kind": row.kind, "ms_per_call": milliseconds(row.seconds), "multiply_adds": row.multiplyAdds]
            if let gmacs = rate(multiplyAdds: row.multiplyAdds, seconds: row.seconds) { object["gmac_per_second"] = gmacs }
            return object
        }
    }
}
