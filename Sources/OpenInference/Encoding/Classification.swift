#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The classification extension: instead of a score tensor, its top K classes per row as BYTES strings
/// "<value>:<index>:<label>" (or "<value>:<index>" for a class without a label), highest value first.
/// The value is formatted as Triton formats it (C++ `std::to_string`, i.e. printf "%f": six decimals, e.g.
/// "0.623111:285:Egyptian cat"), which is what tritonclient users parse.
public enum Classification {
    /// The classification output for `scores` of shape `[N, C]` (or `[C]`): a BYTES tensor of shape `[N, K']`
    /// (or `[K']`), K' = min(k, C). Equal values keep the lower index first; NaN ranks below every number.
    public static func output(name: String, scores: [Float], shape: [Int], k: Int, labels: [String], binaryData: Bool) -> OutputTensor {
        let classes = shape.last ?? 0
        let rows = shape.count >= 2 ? shape.dropLast().reduce(1, *) : 1
        let kept = max(0, min(k, classes))
        let strings = topK(scores: scores, rows: rows, classes: classes, k: kept, labels: labels)
        return OutputTensor(name: name, datatype: .bytes, shape: shape.count >= 2 ? [rows, kept] : [kept],
                            data: .bytes(strings), binaryData: binaryData)
    }

    /// Row-major `rows × min(k, classes)` strings for `scores` laid out `rows × classes`.
    public static func topK(scores: [Float], rows: Int, classes: Int, k: Int, labels: [String]) -> BytesTensor {
        var result = BytesTensor()
        let kept = max(0, min(k, classes))
        guard kept > 0, rows > 0, scores.count >= rows * classes else { return result }
        var order = Array(0..<classes)
        for row in 0..<rows {
            let base = row * classes
            order = Array(0..<classes)
            order.sort { a, b in ranksBefore(scores[base + a], a, scores[base + b], b) }
            for index in order.prefix(kept) {
                var text = formatValue(scores[base + index]) + ":" + String(index)
                if index < labels.count {
                    text += ":" + labels[index]
                }
                result.append(Array(text.utf8))
            }
        }
        return result
    }

    /// Higher value first, then lower index; NaN last (a strict weak order even with NaNs).
    static func ranksBefore(_ a: Float, _ indexA: Int, _ b: Float, _ indexB: Int) -> Bool {
        if a.isNaN != b.isNaN { return b.isNaN }
        if a != b && !a.isNaN { return a > b }
        return indexA < indexB
    }

    /// printf("%f", value): what Triton's `std::to_string(float)` writes.
    static func formatValue(_ value: Float) -> String {
        var buffer = [CChar](repeating: 0, count: 64)  // %f of Float.greatestFiniteMagnitude is 46 characters
        let written = withVaList([Double(value)]) { vsnprintf(&buffer, buffer.count, "%f", $0) }
        return String(decoding: buffer.prefix(Int(max(0, min(written, 63)))).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
