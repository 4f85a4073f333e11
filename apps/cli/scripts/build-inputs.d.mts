export declare const BUILD_INPUTS_FILE: string;
export declare const SLACK_MS: number;
export declare function writeBuildInputs(build: { cliDir: string; startedAt: number; inputs: readonly string[] }): string;
export declare function checkBuildInputs(cliDir: string): { fresh: true } | { fresh: false; reason: string };
