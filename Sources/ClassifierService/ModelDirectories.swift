import Foundation

/// The directories the repository API may load model files from (`--model-dir`), and the check that keeps
/// a requested path inside them: both sides are resolved (symlinks, `..`) before they are compared, so a
/// link inside a model directory that points elsewhere is refused like the path it points to.
struct ModelDirectories: Sendable {
    let roots: [String]   // resolved absolute paths

    init(_ directories: [String]) {
        roots = directories.map { URL(fileURLWithPath: $0).resolvingSymlinksInPath().standardizedFileURL.path }
    }

    enum PathRefusal: Error, CustomStringConvertible {
        case noDirectories
        case outside(String)
        case missing(String)

        var description: String {
            switch self {
            case .noDirectories: "no --model-dir is configured, so no path may be loaded"
            case .outside(let path): "'\(path)' is outside the --model-dir directories"
            case .missing(let path): "no model file at '\(path)'"
            }
        }
    }

    /// The resolved path of `requested` (relative paths are taken from the first directory) if it names an
    /// existing regular file inside one of the roots.
    func resolve(_ requested: String) -> Result<String, PathRefusal> {
        guard let first = roots.first else { return .failure(.noDirectories) }
        let absolute = requested.hasPrefix("/") ? requested : first + "/" + requested
        let resolved = URL(fileURLWithPath: absolute).resolvingSymlinksInPath().standardizedFileURL.path
        guard roots.contains(where: { resolved.hasPrefix($0.hasSuffix("/") ? $0 : $0 + "/") }) else {
            return .failure(.outside(String(requested.prefix(256))))
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: resolved, isDirectory: &isDirectory), !isDirectory.boolValue else {
            return .failure(.missing(String(requested.prefix(256))))
        }
        return .success(resolved)
    }

    /// `<root>/<name>.safetensors` in the first root that has it.
    func file(forModel name: String) -> String? {
        guard !name.contains("/"), !name.hasPrefix(".") else { return nil }
        for root in roots {
            if case .success(let path) = resolve(root + "/" + name + ".safetensors") { return path }
        }
        return nil
    }
}
