import Foundation

/// Every kind of model a model file may hold — the detectors (teachers) and the distilled students —
/// and loading any of them by the `kind` its metadata names.
public enum ModelRegistry {
    /// The fitted model types the library can load. A new detector joins ``DetectorFile/detectors``; a new
    /// student joins here.
    public static let builtIn: [any FittedDetector.Type] =
        DetectorFile.detectors + [FittedStudent.self]

    /// ``builtIn`` by kind.
    public static let registry: [String: any FittedDetector.Type] = Dictionary(
        builtIn.flatMap { type in type.kinds.map { ($0, type) } }, uniquingKeysWith: { first, _ in first })

    /// Reads any registered fitted model from a file that was read already, with the preprocessor it was saved with.
    ///
    /// - Throws: `ModelError.wrongModelKind` for an unknown kind, `ModelError` for a malformed file.
    public static func decode(_ file: ModelFile) throws -> (detector: any FittedDetector, preprocessor: Preprocessor?) {
        guard let type = registry[file.metadata.kind] else {
            throw ModelError.wrongModelKind(file: file.file, expected: registry.keys.sorted().joined(separator: " or "),
                                            found: file.metadata.kind)
        }
        let preprocessor: Preprocessor?
        do {
            preprocessor = try file.metadata.preprocessing.map { try $0.decode(Preprocessor.self) }
        } catch {
            throw ModelError.invalidMetadata(file: file.file, reason: "\"preprocessing\" is not a preprocessor: \(error)")
        }
        if let problem = preprocessor?.problem {
            throw ModelError.invalidMetadata(file: file.file, reason: "\"preprocessing\": \(problem)")
        }
        return (try DetectorFile.decodeAny(type, file), preprocessor)
    }

    /// Reads any registered fitted model from `url`, with the preprocessor it was saved with.
    ///
    /// - Throws: `ModelError` for a file that is not a model of a known kind, or is malformed.
    public static func load(from url: URL) throws -> (detector: any FittedDetector, preprocessor: Preprocessor?) {
        try decode(ModelFile.read(from: url))
    }
}
