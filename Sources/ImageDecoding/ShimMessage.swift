/// The C shims report errors in fixed `char[N]` buffers, which Swift imports as tuples of CChar.
enum ShimMessage {
    static func string<Tuple>(_ message: Tuple) -> String {
        withUnsafeBytes(of: message) { raw in String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self) }
    }
}
