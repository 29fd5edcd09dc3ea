import Foundation

/// `type/subtype; name=value; name="quoted \"value\""` → lower-cased type and parameters
/// (names lower-cased; RFC 8187 `name*=UTF-8''percent%20encoded` decoded).
public enum HeaderParameters {
    public static func parse(_ field: String) -> (value: String, parameters: [String: String]) {
        var parameters: [String: String] = [:]
        let chars = Array(field.unicodeScalars)
        var i = 0
        func skipSpace() { while i < chars.count, chars[i] == " " || chars[i] == "\t" { i += 1 } }
        var value = ""
        while i < chars.count, chars[i] != ";" { value.unicodeScalars.append(chars[i]); i += 1 }
        while i < chars.count {
            i += 1 // ';'
            skipSpace()
            var name = ""
            while i < chars.count, chars[i] != "=", chars[i] != ";" { name.unicodeScalars.append(chars[i]); i += 1 }
            name = name.trimmingCharacters(in: .whitespaces).lowercased()
            var parameter = ""
            if i < chars.count, chars[i] == "=" {
                i += 1
                skipSpace()
                if i < chars.count, chars[i] == "\"" {
                    i += 1
                    while i < chars.count, chars[i] != "\"" {
                        if chars[i] == "\\", i + 1 < chars.count { i += 1 }
                        parameter.unicodeScalars.append(chars[i])
                        i += 1
                    }
                    while i < chars.count, chars[i] != ";" { i += 1 }
                } else {
                    while i < chars.count, chars[i] != ";" { parameter.unicodeScalars.append(chars[i]); i += 1 }
                    parameter = parameter.trimmingCharacters(in: .whitespaces)
                }
            }
            guard !name.isEmpty else { continue }
            if name.hasSuffix("*") {
                // charset'language'percent-encoded
                let pieces = parameter.split(separator: "'", maxSplits: 2, omittingEmptySubsequences: false)
                if pieces.count == 3, let decoded = PercentDecoding.decode(pieces[2]) { parameter = decoded }
            }
            if parameters[name] == nil { parameters[name] = parameter }
        }
        return (value.trimmingCharacters(in: .whitespaces).lowercased(), parameters)
    }
}
