/** The project file every command reads, in the project folder; written by saveConfig, never by a recipe. */
export const CONFIG_FILE = 'swarm-wiz.yaml';
