import Foundation
import PackagePlugin

/// Embeds the web page (`Sources/AragoraServer/Web/*`) into the server module, so `aragora serve` carries its
/// page in the one binary: nothing to install beside it, nothing fetched from a CDN.
@main
struct WebAssetsPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let web = target.directoryURL.appending(path: "Web")
        let names = try FileManager.default.contentsOfDirectory(atPath: web.path(percentEncoded: false))
            .filter { !$0.hasPrefix(".") }.sorted()
        let inputs = names.map { web.appending(path: $0) }
        let output = context.pluginWorkDirectoryURL.appending(path: "WebAssets+embedded.swift")
        return [.buildCommand(displayName: "Embedding \(inputs.count) web files",
                              executable: try context.tool(named: "EmbedWebAssets").url,
                              arguments: [output.path(percentEncoded: false)] + inputs.map { $0.path(percentEncoded: false) },
                              inputFiles: inputs, outputFiles: [output])]
    }
}
