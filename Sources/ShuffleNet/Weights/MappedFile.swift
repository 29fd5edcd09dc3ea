#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A read-only memory map of a whole file: the I/O edge for model files. Parsers only ever see `bytes`.
public final class MappedFile: @unchecked Sendable {
    // Immutable after init and never written through: safe to share between threads.
    public let path: String
    public let bytes: UnsafeRawBufferPointer
    private let mapping: UnsafeMutableRawPointer?

    public init(path: String) throws(WeightsError) {
        self.path = path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .io(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .io(path: path, reason: String(cString: strerror(errno))) }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw .io(path: path, reason: "not a regular file") }
        let size = Int(info.st_size)
        if size == 0 {
            mapping = nil
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0)
        guard let address, address != MAP_FAILED else {
            throw .io(path: path, reason: "mmap failed: \(String(cString: strerror(errno)))")
        }
        mapping = address
        bytes = UnsafeRawBufferPointer(start: address, count: size)
    }

    deinit {
        if let mapping { munmap(mapping, bytes.count) }
    }
}
