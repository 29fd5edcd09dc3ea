/// A 64-byte aligned, zeroed buffer of a trivial element type (bytes, int32, float) with 64 bytes of slack past
/// its end: the int8 kernels may read up to 64 bytes past a row (Sources/CInt8Kernels/include/int8_kernels.h).
/// Owned by whoever allocates it (packed weights, sessions), freed explicitly.
struct AlignedBuffer<Element>: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Element>
    let count: Int

    init(count: Int) {
        self.count = count
        let bytes = max(count, 1) * MemoryLayout<Element>.stride + 64
        let raw = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
        raw.initializeMemory(as: UInt8.self, repeating: 0, count: bytes)
        pointer = raw.bindMemory(to: Element.self, capacity: max(count, 1))
    }

    init(_ values: [Element]) {
        self.init(count: values.count)
        values.withUnsafeBufferPointer { pointer.update(from: $0.baseAddress!, count: values.count) }
    }

    func free() { UnsafeMutableRawPointer(pointer).deallocate() }
}
