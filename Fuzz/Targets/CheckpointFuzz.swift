// libFuzzer entry point for `shufflenet convert`'s readers: the restricted unpickler, the legacy
// torch.save layout, the zip container and the converter's validation.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCheckpoint(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    if let tensors = try? CheckpointConverter.readStateDict(bytes) {
        for tensor in tensors { precondition(tensor.data.count == tensor.shape.reduce(1, *) * tensor.dtype.size) }
    }
    _ = try? CheckpointConverter.convert(bytes, name: "fuzz", labels: [])
    return 0
}
