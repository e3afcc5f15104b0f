import Foundation

/// An output file written whole or not at all: bytes go to a temporary file beside the target, which replaces
/// the target only when ``commit()`` is called, so a command that fails never leaves a half-written or
/// emptied output behind.
///
/// The target must be absent or a regular file: a directory, a device, a FIFO or a socket is refused (writing
/// `/dev/full` or a named pipe through a rename would replace it). A symbolic link is followed: the file it
/// points to is replaced and the link stays. An existing file keeps its permission bits.
public final class OutputFile {
    /// The path as the user gave it.
    public let path: String
    /// The file that will be replaced (symbolic links resolved).
    let target: String
    private let temporary: String
    private var descriptor: Int32
    private let mode: mode_t?

    /// Checks the target and creates the temporary file beside it.
    ///
    /// - Throws: `DataError.unwritable` naming the path and saying why (empty path, a directory, not a regular
    ///   file, a missing folder, no permission).
    public init(path: String) throws {
        self.path = path
        guard !path.isEmpty else { throw DataError.unwritable(file: "\"\"", reason: "the path is empty") }
        let resolved = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        var info = stat()
        var mode: mode_t?
        if stat(resolved, &info) == 0 {
            let kind = info.st_mode & S_IFMT
            if kind == S_IFDIR { throw DataError.unwritable(file: path, reason: "it is a directory") }
            guard kind == S_IFREG else {
                throw DataError.unwritable(file: path, reason: "it is not a regular file (a device, a pipe or a socket)")
            }
            mode = info.st_mode & 0o7777
        }
        self.mode = mode
        target = resolved
        let folder = (resolved as NSString).deletingLastPathComponent
        var folderInfo = stat()
        guard stat(folder.isEmpty ? "." : folder, &folderInfo) == 0, folderInfo.st_mode & S_IFMT == S_IFDIR else {
            throw DataError.unwritable(file: path, reason: "the folder \(folder.isEmpty ? "." : folder) does not exist")
        }
        let name = (resolved as NSString).lastPathComponent
        var created: String?
        var fd: Int32 = -1
        for attempt in 0..<16 {
            let candidate = (folder as NSString).appendingPathComponent(
                ".\(name).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))-\(attempt)")
            fd = open(candidate, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode ?? 0o644)
            if fd >= 0 { created = candidate; break }
            if errno != EEXIST { break }
        }
        guard let created, fd >= 0 else {
            throw DataError.unwritable(file: path, reason: String(cString: strerror(errno)))
        }
        temporary = created
        descriptor = fd
    }

    deinit { discard() }

    /// Appends bytes.
    /// - Throws: `DataError.unwritable` (a full disk, say); the target is untouched.
    public func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }

    /// Appends bytes.
    public func write(_ buffer: UnsafeRawBufferPointer) throws {
        guard descriptor >= 0 else { throw DataError.unwritable(file: path, reason: "the output was closed") }
        let failure = Self.writeAll(buffer, to: descriptor)
        if failure != 0 { throw DataError.unwritable(file: path, reason: String(cString: strerror(failure))) }
    }

    /// Writes every byte of `buffer` to a file descriptor, retrying short and interrupted writes.
    /// - Returns: 0, or the `errno` of the write that failed (`EPIPE` for a closed pipe).
    public static func writeAll(_ buffer: UnsafeRawBufferPointer, to descriptor: Int32) -> Int32 {
        var offset = 0
        while offset < buffer.count {
            let n = Foundation.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                return errno
            }
            offset += n
        }
        return 0
    }

    /// Makes the written bytes the target's contents (an atomic rename).
    /// - Throws: `DataError.unwritable` when the data cannot be flushed or the rename fails.
    public func commit() throws {
        guard descriptor >= 0 else { throw DataError.unwritable(file: path, reason: "the output was closed") }
        if let mode { fchmod(descriptor, mode) }
        let synced = fsync(descriptor) == 0 || errno == EINVAL
        let closed = close(descriptor) == 0
        descriptor = -1
        guard synced && closed else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw DataError.unwritable(file: path, reason: reason)
        }
        guard rename(temporary, target) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw DataError.unwritable(file: path, reason: reason)
        }
    }

    /// Drops what was written; the target is untouched.
    public func discard() {
        if descriptor >= 0 {
            close(descriptor)
            descriptor = -1
            unlink(temporary)
        }
    }

    /// ``init(path:)`` with its error as a ``ModelError/unwritable(file:reason:)``, for model files.
    public static func opening(_ path: String) throws -> OutputFile {
        do {
            return try OutputFile(path: path)
        } catch let DataError.unwritable(file, reason) {
            throw ModelError.unwritable(file: file, reason: reason)
        }
    }

    /// ``commit()`` with its error as a ``ModelError/unwritable(file:reason:)``.
    public func committing() throws {
        do {
            try commit()
        } catch let DataError.unwritable(file, reason) {
            throw ModelError.unwritable(file: file, reason: reason)
        }
    }

    /// Writes `bytes` to `path` whole or not at all.
    public static func write(_ bytes: [UInt8], to path: String) throws {
        let file = try OutputFile(path: path)
        try file.write(bytes)
        try file.commit()
    }
}
