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
    public static func topK(_ probabilities: [Float], k: Int, labels: [ClassLabel] = []) -> [Prediction] {
        let order = probabilities.indices.sorted { a, b in
            probabilities[a] != probabilities[b] ? probabilities[a] > probabilities[b] : a < b
        }
        return order.prefix(max(0, k)).map { i in
            Prediction(index: i, probability: probabilities[i], label: labels.indices.contains(i) ? labels[i] : nil)
        }
    }
}
