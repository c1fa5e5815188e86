// The shared CLI module, in rooms: what a tool declares (spec), how its
// arguments are parsed (args) and checked (options-check), how input is read
// (input), the line driver (drive), and how it exits (exit).
export * from './spec.js';
export * from './exit.js';
export * from './options-check.js';
export * from './args.js';
export * from './input.js';
export * from './drive.js';
