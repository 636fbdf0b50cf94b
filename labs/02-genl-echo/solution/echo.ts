/**
 * A small command-line client of gnl_foobar_xmpl, built on your client.ts.
 *
 *   echo.ts TEXT          echo TEXT through the kernel, print the reply
 *   echo.ts --dump        print the dump's greetings, one per line
 *   echo.ts --error       provoke the error reply and print it
 *   echo.ts --family NAME print what nlctrl says about a family
 *   --cap-ack             (with any of them) turn NETLINK_CAP_ACK on
 *
 * Exit status 0 on success, 1 when the kernel refused, 2 on a usage error.
 */
import { FoobarClient } from './client.ts';
import { GenlError } from './genl.ts';

function usage(): never {
  console.error('usage: echo.ts [--cap-ack] TEXT | --dump | --error | --family NAME');
  process.exit(2);
}

async function main(argv: string[]): Promise<number> {
  const capAck = argv.includes('--cap-ack');
  const args = argv.filter((a) => a !== '--cap-ack');
  const client = FoobarClient.open({ capAck });
  try {
    if (args[0] === '--dump') {
      for (const greeting of await client.dumpGreetings()) console.log(greeting);
    } else if (args[0] === '--error') {
      const error = await client.provokeError();
      console.log(`${error.code} (errno ${error.errno}): ${error.extAckMessage ?? '(no extended ACK message)'}`);
    } else if (args[0] === '--family') {
      if (!args[1]) usage();
      const family = await client.resolveFamily(args[1]);
      console.log(`${family.name}: id ${family.id}, version ${family.version}, max attribute ${family.maxAttr}`);
      for (const op of family.ops) console.log(`  op ${op.id} flags 0x${op.flags.toString(16)}`);
      for (const group of family.mcastGroups) console.log(`  multicast group ${group.name} id ${group.id}`);
    } else if (args.length === 1 && args[0] !== undefined && !args[0].startsWith('--')) {
      console.log(await client.echo(args[0]));
    } else {
      usage();
    }
    return 0;
  } catch (error) {
    if (error instanceof GenlError) {
      console.error(`the kernel refused: ${error.message}`);
      if (error.code === 'ENOENT') console.error('is the gnl_foobar_xmpl module loaded? (lsmod, or run: npm run lab 2)');
      return 1;
    }
    throw error;
  } finally {
    client.close();
  }
}

process.exitCode = await main(process.argv.slice(2));
