/** Bench helper: listen on N TCP ports of 127.0.0.1 (port 0 each), print them as JSON, close accepted sockets. */
import net from "node:net";

const count = Number(process.argv[2] ?? "1000");
const ports: number[] = [];
for (let i = 0; i < count; i++) {
  const server = net.createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  ports.push((server.address() as net.AddressInfo).port);
}
process.stdout.write(JSON.stringify(ports) + "\n");
process.on("SIGTERM", () => process.exit(0));
