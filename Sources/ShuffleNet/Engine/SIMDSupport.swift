/// Unaligned SIMD loads and stores on Float pointers, and a ReLU per concrete vector width.
/// (A generic ReLU written with `pointwiseMax` or `replacing(with:where:)` was left unspecialised in the
/// prototype, 9–43 GFLOP/s instead of ~200; a protocol requirement implemented per width is inlined.)
@usableFromInline protocol FloatVector: SIMD where Scalar == Float {
    func relu() -> Self
}

extension SIMD16: FloatVector where Scalar == Float {
    @inline(__always) @usableFromInline func relu() -> Self { replacing(with: 0, where: self .< 0) }
}

extension SIMD8: FloatVector where Scalar == Float {
    @inline(__always) @usableFromInline func relu() -> Self { replacing(with: 0, where: self .< 0) }
}

extension SIMD4: FloatVector where Scalar == Float {
    @inline(__always) @usableFromInline func relu() -> Self { replacing(with: 0, where: self .< 0) }
}

@inline(__always) func load<V: FloatVector>(_ p: UnsafePointer<Float>) -> V {
    UnsafeRawPointer(p).loadUnaligned(as: V.self)
}

@inline(__always) func store<V: FloatVector>(_ p: UnsafeMutablePointer<Float>, _ v: V) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: V.self)
}

/// A 64-byte aligned, zeroed Float buffer owned by whoever allocates it (sessions, packed weights).
struct FloatBuffer: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Float>
    let count: Int

    init(count: Int) {
        self.count = count
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * 4 + 64, alignment: 64)
        pointer = raw.bindMemory(to: Float.self, capacity: max(count, 1) + 16)
        pointer.initialize(repeating: 0, count: max(count, 1) + 16)
    }

    init(_ values: [Float]) {
        self.init(count: values.count)
        values.withUnsafeBufferPointer { pointer.update(from: $0.baseAddress!, count: values.count) }
    }

    func free() { UnsafeMutableRawPointer(pointer).deallocate() }
}
