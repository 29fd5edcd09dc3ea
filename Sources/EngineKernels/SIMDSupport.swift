/// Unaligned SIMD loads and stores on Float pointers, and a ReLU per concrete vector width.
/// (A generic ReLU written with `pointwiseMax` or `replacing(with:where:)` was left unspecialised in the
/// prototype, 9–43 GFLOP/s instead of ~200; a protocol requirement implemented per width is inlined.)
@usableFromInline protocol FloatVector: SIMD, BitwiseCopyable where Scalar == Float {
    func relu() -> Self
    /// Lane-wise max(self, other), for max pooling.
    func maximum(_ other: Self) -> Self
}

extension SIMD16: FloatVector where Scalar == Float {
    @inline(__always) @usableFromInline func relu() -> Self { replacing(with: 0, where: self .< 0) }
    @inline(__always) @usableFromInline func maximum(_ other: Self) -> Self { replacing(with: other, where: other .> self) }
}

extension SIMD8: FloatVector where Scalar == Float {
    @inline(__always) @usableFromInline func relu() -> Self { replacing(with: 0, where: self .< 0) }
    @inline(__always) @usableFromInline func maximum(_ other: Self) -> Self { replacing(with: other, where: other .> self) }
}

extension SIMD4: FloatVector where Scalar == Float {
    @inline(__always) @usableFromInline func relu() -> Self { replacing(with: 0, where: self .< 0) }
    @inline(__always) @usableFromInline func maximum(_ other: Self) -> Self { replacing(with: other, where: other .> self) }
}

@inline(__always) func load<V: FloatVector>(_ p: UnsafePointer<Float>) -> V {
    UnsafeRawPointer(p).loadUnaligned(as: V.self)
}

@inline(__always) func store<V: FloatVector>(_ p: UnsafeMutablePointer<Float>, _ v: V) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: V.self)
}
