import CZlib
import Foundation

/// gzip (RFC 1952) through the system's zlib, for what the servers write to the object store
/// in bulk (archived history). The only code that sees zlib.
public enum Gzip {
    public enum Failure: Error, Equatable {
        /// The input is not a complete gzip stream.
        case corrupt(String)
        /// Inflating would produce more than the caller allows.
        case tooLarge(limit: Int)
    }

    /// `data` as one gzip member.
    public static func compress(_ data: Data, level: Int32 = 6) -> Data {
        var stream = z_stream()
        // 15 window bits + 16: a gzip header and trailer instead of zlib's.
        guard deflateInit2_(&stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            // Only fails on bad parameters or no memory; both are programming errors here.
            fatalError("zlib refused its own default parameters")
        }
        defer { deflateEnd(&stream) }
        var input = data
        let bound = Int(deflateBound(&stream, uLong(input.count)))
        var output = Data(count: bound)
        let written: Int = input.withUnsafeMutableBytes { inputBytes in
            output.withUnsafeMutableBytes { outputBytes in
                stream.next_in = inputBytes.bindMemory(to: Bytef.self).baseAddress
                stream.avail_in = uInt(inputBytes.count)
                stream.next_out = outputBytes.bindMemory(to: Bytef.self).baseAddress
                stream.avail_out = uInt(outputBytes.count)
                // deflateBound guarantees one call with Z_FINISH completes.
                let status = deflate(&stream, Z_FINISH)
                precondition(status == Z_STREAM_END, "deflate into deflateBound's size did not finish (\(status))")
                return Int(stream.total_out)
            }
        }
        output.count = written
        return output
    }

    /// The bytes of a gzip (or zlib) stream, refusing to produce more than `maxBytes`.
    public static func decompress(_ data: Data, maxBytes: Int) throws(Failure) -> Data {
        var stream = z_stream()
        // 15 window bits + 32: detect gzip or zlib from the header.
        guard inflateInit2_(&stream, 15 + 32, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            fatalError("zlib refused its own default parameters")
        }
        defer { inflateEnd(&stream) }
        var input = data
        var output = Data()
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        let result: Result<Void, Failure> = input.withUnsafeMutableBytes { inputBytes in
            stream.next_in = inputBytes.bindMemory(to: Bytef.self).baseAddress
            stream.avail_in = uInt(inputBytes.count)
            while true {
                let (status, produced) = buffer.withUnsafeMutableBytes { bufferBytes -> (Int32, Int) in
                    stream.next_out = bufferBytes.bindMemory(to: Bytef.self).baseAddress
                    stream.avail_out = uInt(bufferBytes.count)
                    let status = inflate(&stream, Z_NO_FLUSH)
                    return (status, bufferBytes.count - Int(stream.avail_out))
                }
                if output.count + produced > maxBytes { return .failure(.tooLarge(limit: maxBytes)) }
                output.append(contentsOf: buffer[0..<produced])
                switch status {
                case Z_STREAM_END:
                    return .success(())
                case Z_OK:
                    continue
                case Z_BUF_ERROR where stream.avail_in == 0:
                    return .failure(.corrupt("the stream ends early"))
                default:
                    let reason = stream.msg.map { String(cString: $0) } ?? "zlib status \(status)"
                    return .failure(.corrupt(reason))
                }
            }
        }
        try result.get()
        return output
    }
}
