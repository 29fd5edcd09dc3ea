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
