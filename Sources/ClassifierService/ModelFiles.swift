import Foundation

/// The model files a `--model` list names. A directory stands for every `*.safetensors` file directly in it,
/// in name order — the way KServe delivers a model: its storage initializer downloads the `storageUri` into
/// a directory (`/mnt/models`) whose file names the operator does not choose.
enum ModelFiles {
    static func expand(_ paths: [String]) throws(ServiceError) -> [String] {
        var files: [String] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
                files.append(path)   // a file, or a path whose absence the loader reports with its own words
                continue
            }
            let names: [String]
            do {
                names = try FileManager.default.contentsOfDirectory(atPath: path)
            } catch {
                throw .startup("cannot list model directory \(path): \(error.localizedDescription)")
            }
            let models = names.filter { $0.lowercased().hasSuffix(".safetensors") && !$0.hasPrefix(".") }.sorted()
            guard !models.isEmpty else { throw .startup("model directory \(path) holds no *.safetensors file") }
            files += models.map { URL(fileURLWithPath: path).appendingPathComponent($0).path }
        }
        return files
    }
}
