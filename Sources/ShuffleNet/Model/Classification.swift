import Foundation

/// One ranked class.
public struct Prediction: Sendable, Equatable {
    public let index: Int
    public let probability: Float
    public let label: ClassLabel?
}

public enum Classification {
    /// Numerically stable softmax (subtracts the maximum logit; sums in Double).
    public static func softmax(_ logits: [Float]) -> [Float] {
        guard let top = logits.max() else { return [] }
        let exps = logits.map { exp(Double($0 - top)) }
        let total = exps.reduce(0, +)
        return exps.map { Float($0 / total) }
    }

    /// The `k` most probable classes, most probable first; ties go to the lower index.
    /// For the usual small k, one pass keeps the best k in order (k·n comparisons at worst, ~n in practice)
    /// instead of sorting all classes; a large k sorts.
    public static func topK(_ probabilities: [Float], k: Int, labels: [ClassLabel] = []) -> [Prediction] {
        let k = min(max(0, k), probabilities.count)
        let order = k <= 32 ? bestIndices(probabilities, k: k) : Array(rankedIndices(probabilities).prefix(k))
        return order.map { i in
            Prediction(index: i, probability: probabilities[i], label: labels.indices.contains(i) ? labels[i] : nil)
        }
    }

    /// Every index, most probable first, ties by index: the slow twin of `bestIndices`.
    static func rankedIndices(_ probabilities: [Float]) -> [Int] {
        probabilities.indices.sorted { a, b in
            probabilities[a] != probabilities[b] ? probabilities[a] > probabilities[b] : a < b
        }
    }

    /// The first k of `rankedIndices`, by insertion into a k-long ranked list. Indices arrive in increasing
    /// order, so an equal probability never displaces an earlier index.
    static func bestIndices(_ probabilities: [Float], k: Int) -> [Int] {
        guard k > 0 else { return [] }
        var best: [Int] = []
        best.reserveCapacity(k + 1)
        for (i, p) in probabilities.enumerated() {
            if best.count == k, p <= probabilities[best[k - 1]] { continue }
            var slot = best.count
            while slot > 0, p > probabilities[best[slot - 1]] { slot -= 1 }
            best.insert(i, at: slot)
            if best.count > k { best.removeLast() }
        }
        return best
    }
}
