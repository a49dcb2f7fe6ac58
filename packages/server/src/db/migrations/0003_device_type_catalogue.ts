import type { AnyDb } from './support.js';

/**
 * A realistic device-type catalogue: CPU architectures (COMPAT.md A6) and common boards. Each device
 * type has an alias equal to its slug (the SDK resolves slugs through `device_type_alias`), plus the
 * historical aliases some tools still send. Frozen: later catalogue changes are new migrations.
 */
const ARCHITECTURES = ['rpi', 'armv7hf', 'aarch64', 'i386-nlp', 'i386', 'amd64'] as const;

const DEVICE_TYPES: readonly [
  slug: string,
  name: string,
  arch: (typeof ARCHITECTURES)[number],
  aliases?: string[],
][] = [
  ['raspberry-pi', 'Raspberry Pi (v1 / Zero / Zero W)', 'rpi', ['raspberrypi']],
  ['raspberry-pi2', 'Raspberry Pi 2', 'armv7hf', ['raspberrypi2']],
  ['raspberrypi3', 'Raspberry Pi 3', 'armv7hf', ['raspberry-pi3']],
  ['raspberrypi3-64', 'Raspberry Pi 3 (using 64bit OS)', 'aarch64'],
  ['raspberrypi4-64', 'Raspberry Pi 4 (using 64bit OS)', 'aarch64'],
  ['raspberrypi5', 'Raspberry Pi 5', 'aarch64'],
  ['raspberrypi0-2w-64', 'Raspberry Pi Zero 2 W (64bit OS)', 'aarch64'],
  ['raspberrypi400-64', 'Raspberry Pi 400', 'aarch64'],
  ['fincm3', 'Balena Fin (CM3)', 'armv7hf'],
  ['beaglebone-black', 'BeagleBone Black', 'armv7hf'],
  ['beaglebone-green', 'BeagleBone Green', 'armv7hf'],
  ['jetson-nano', 'Nvidia Jetson Nano SD-CARD', 'aarch64'],
  ['jetson-xavier', 'Nvidia Jetson Xavier', 'aarch64'],
  ['jetson-orin-nano-devkit-nvme', 'Nvidia Jetson Orin Nano 8GB (SD) Devkit NVME', 'aarch64'],
  ['coral-dev', 'Coral Dev Board', 'aarch64'],
  ['imx8mm-var-dart', 'Variscite DART-MX8M Mini', 'aarch64'],
  ['generic-aarch64', 'Generic AARCH64 (ARMv8)', 'aarch64'],
  ['generic-amd64', 'Generic x86_64 (GPT)', 'amd64'],
  ['intel-nuc', 'Intel NUC', 'amd64'],
  ['qemux86-64', 'QEMU X86 64bit', 'amd64'],
  ['qemux86', 'QEMU X86 32bit', 'i386'],
  ['up-board', 'UP board', 'amd64'],
  ['intel-edison', 'Intel Edison', 'i386-nlp'],
  ['odroid-xu4', 'ODROID-XU4', 'armv7hf'],
  ['orange-pi-zero', 'Orange Pi Zero', 'armv7hf'],
];

export async function up(db: AnyDb): Promise<void> {
  const archIds = new Map<string, number>();
  for (const slug of ARCHITECTURES) {
    const row = await db
      .insertInto('cpu_architecture')
      .values({ slug })
      .returning('id')
      .executeTakeFirstOrThrow();
    archIds.set(slug, row.id as number);
  }
  for (const [slug, name, arch, aliases = []] of DEVICE_TYPES) {
    const contract = JSON.stringify({ slug, name, type: 'hw.device-type', aliases: [slug, ...aliases] });
    const row = await db
      .insertInto('device_type')
      .values({ slug, name, is_of__cpu_architecture: archIds.get(arch), logo: null, contract })
      .returning('id')
      .executeTakeFirstOrThrow();
    for (const alias of [slug, ...aliases]) {
      await db
        .insertInto('device_type_alias')
        .values({ device_type: row.id, is_referenced_by__alias: alias })
        .execute();
    }
  }
}

export async function down(db: AnyDb): Promise<void> {
  await db.deleteFrom('device_type_alias').execute();
  await db.deleteFrom('device_type').execute();
  await db.deleteFrom('cpu_architecture').execute();
}
