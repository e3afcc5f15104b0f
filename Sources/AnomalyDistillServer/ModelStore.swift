import AnomalyDistill
import Foundation
import NIOConcurrencyHelpers
import NIOPosix

/// The model being served, swapped whole on reload.
///
/// A request takes the current model once, at its start, and scores with that value to the end: a reload
/// in the meantime changes what later requests see, never a request in flight. A file that fails to load
/// leaves the old model serving.
public final class ModelStore: Sendable {
    /// What is served now, and when it was loaded (a class, so that taking it costs one reference count).
    public final class Loaded: Sendable {
        public let model: ScoringModel
        public let loadedAt: Date

        init(model: ScoringModel, loadedAt: Date) {
            self.model = model
            self.loadedAt = loadedAt
        }
    }

    /// The file `reload()` reads.
    public let path: String
    /// The threshold that overrides the file's, if any.
    public let threshold: Double?
    private let state: NIOLockedValueBox<Loaded>
    /// Serialises reloads, so that the last one to finish is the last one asked for.
    private let reloading = NIOLock()

    /// Loads the model file.
    /// - Throws: `ModelError` naming the file, as `anomaly-distill score` would.
    public init(path: String, threshold: Double? = nil) throws {
        self.path = path
        self.threshold = threshold
        state = NIOLockedValueBox(Loaded(model: try Self.load(path, threshold: threshold), loadedAt: Date()))
    }

    /// A store serving a model already in memory (tests, embedding); `reload()` reads `path`.
    public init(model: ScoringModel, path: String, threshold: Double? = nil) {
        self.path = path
        self.threshold = threshold
        state = NIOLockedValueBox(Loaded(model: model, loadedAt: Date()))
    }

    /// The model serving now.
    public var current: Loaded { state.withLockedValue { $0 } }

    /// Reads and checks the file again, off the event loops, and serves it if it loads.
    ///
    /// - Returns: The model served before and the one served now.
    /// - Throws: the load's error; the old model keeps serving.
    public func reload() async throws -> (previous: ScoringModel, current: ScoringModel) {
        let path = path, threshold = threshold
        let loaded = try await NIOThreadPool.singleton.runIfActive {
            try self.reloading.withLock {
                let model = try Self.load(path, threshold: threshold)
                let previous = self.state.withLockedValue { state in
                    defer { state = Loaded(model: model, loadedAt: Date()) }
                    return state.model
                }
                return (previous, model)
            }
        }
        return loaded
    }

    private static func load(_ path: String, threshold: Double?) throws -> ScoringModel {
        let model = try ScoringModel(contentsOf: URL(fileURLWithPath: path), threshold: threshold)
        try model.requireRowModel(for: "the server")
        return model
    }
}
