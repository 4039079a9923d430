// Print the name, version and licence text of every package in the bundle.
const fs = require("fs");
const path = require("path");
const lock = require("./package-lock.json");
for (const [where, info] of Object.entries(lock.packages)) {
  if (!where || info.dev) { continue; }
  const dir = path.join(__dirname, where);
  const licence = fs.readdirSync(dir).find((name) => /^licen[cs]e/i.test(name));
  console.log(`==== ${where.replace(/^node_modules\//, "")} ${info.version} (${info.license}) ====`);
  console.log(licence ? fs.readFileSync(path.join(dir, licence), "utf8").trim() : "(no licence file)");
  console.log("");
}
