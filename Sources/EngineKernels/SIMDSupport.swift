/// Unaligned SIMD loads and stores on Float pointers, and a ReLU per concrete vector width.
/// (A generic ReLU written with `pointwiseMax` or `replacing(with:where:)` was left unspecialised, several
/// times slower; a protocol requirement implemented per width is inlined.)
@usableFromInline protocol FloatVector: SIMD, BitwiseCopyable where Scalar == Float {
    func relu() -> Self
    /// Lane-wise max(self, other), for max pooling.
    func maximum(_ other: Self) -> Self
    /// Stores the first `lanes` lanes (0 ≤ lanes ≤ scalarCount) at `p` and nothing past them: whole 8- and
    /// 4-lane halves as vector stores, only the last 1–3 lanes one by one. (A lane-by-lane loop was half the
    /// time of a 6-row tile whose K is 6, as in 0.5× g8.)
    func storePrefix(_ p: UnsafeMutablePointer<Float>, lanes: Int)
}

extension SIMD16: FloatVector where Scalar == Float {
    @inline(__always) @usableFromInline func relu() -> Self { replacing(with: 0, where: self .< 0) }
    @inline(__always) @usableFromInline func maximum(_ other: Self) -> Self { replacing(with: other, where: other .> self) }
    @inline(__always) @usableFromInline func storePrefix(_ p: UnsafeMutablePointer<Float>, lanes: Int) {
        if lanes >= 8 {
            store(p, lowHalf)
            highHalf.storePrefix(p + 8, lanes: lanes - 8)
        } else {
            lowHalf.storePrefix(p, lanes: lanes)
        }
    }
}

extension SIMD8: FloatVector where Scalar == Float {
    @inline(__always) @usableFromInline func relu() -> Self { replacing(with: 0, where: self .< 0) }
    @inline(__always) @usableFromInline func maximum(_ other: Self) -> Self { replacing(with: other, where: other .> self) }
    @inline(__always) @usableFromInline func storePrefix(_ p: UnsafeMutablePointer<Float>, lanes: Int) {
        if lanes >= 4 {
            store(p, lowHalf)
            highHalf.storePrefix(p + 4, lanes: lanes - 4)
        } else {
            lowHalf.storePrefix(p, lanes: lanes)
        }
    }
}

extension SIMD4: FloatVector where Scalar == Float {
    @inline(__always) @usableFromInline func relu() -> Self { replacing(with: 0, where: self .< 0) }
    @inline(__always) @usableFromInline func maximum(_ other: Self) -> Self { replacing(with: other, where: other .> self) }
    @inline(__always) @usableFromInline func storePrefix(_ p: UnsafeMutablePointer<Float>, lanes: Int) {
        if lanes == 4 { return store(p, self) }
        for lane in 0..<lanes { p[lane] = self[lane] }
    }
}

@inline(__always) func load<V: FloatVector>(_ p: UnsafePointer<Float>) -> V {
    UnsafeRawPointer(p).loadUnaligned(as: V.self)
}

@inline(__always) func store<V: FloatVector>(_ p: UnsafeMutablePointer<Float>, _ v: V) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: V.self)
}
