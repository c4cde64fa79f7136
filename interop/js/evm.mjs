// Compile a Solidity verifier with solc, deploy it in an in-memory EVM
// (@ethereumjs/evm, mainnet rules, BN254 precompiles), and call it once
// per calldata file (hex, 0x-prefixed, as `tacit attestation export
// --format evm` prints it).
//
//   node evm.mjs Verifier.sol CALLDATA.hex...
//
// Prints JSON: the compiler version, the contract's method identifiers,
// and for each call whether it was accepted (did not revert), the revert
// data and the gas used. Exits non-zero only if it cannot run the calls.
import { readFileSync } from 'node:fs';
import solc from 'solc';
import { createEVM } from '@ethereumjs/evm';
import { bytesToHex, hexToBytes } from '@ethereumjs/util';

const [source, ...calls] = process.argv.slice(2);
if (!source || calls.length === 0) {
  console.error('usage: node evm.mjs Verifier.sol CALLDATA.hex...');
  process.exit(2);
}

const input = {
  language: 'Solidity',
  sources: { 'Verifier.sol': { content: readFileSync(source, 'utf8') } },
  settings: {
    optimizer: { enabled: true, runs: 200 },
    outputSelection: { '*': { Verifier: ['evm.bytecode.object', 'evm.methodIdentifiers'] } },
  },
};
const output = JSON.parse(solc.compile(JSON.stringify(input)));
const errors = (output.errors || []).filter((e) => e.severity === 'error');
if (errors.length > 0) {
  console.error(errors.map((e) => e.formattedMessage).join('\n'));
  process.exit(1);
}
const contract = output.contracts['Verifier.sol'].Verifier;

const evm = await createEVM();
const deployed = await evm.runCall({ data: hexToBytes('0x' + contract.evm.bytecode.object), gasLimit: 30_000_000n });
if (deployed.execResult.exceptionError || !deployed.createdAddress) {
  console.error('deployment failed:', deployed.execResult.exceptionError);
  process.exit(1);
}

const results = [];
for (const file of calls) {
  const data = hexToBytes(readFileSync(file, 'utf8').trim());
  const r = await evm.runCall({ to: deployed.createdAddress, data, gasLimit: 10_000_000n });
  const err = r.execResult.exceptionError;
  results.push({
    file,
    accepted: !err,
    error: err ? String(err.error) : '',
    returned: bytesToHex(r.execResult.returnValue),
    gasUsed: Number(r.execResult.executionGasUsed),
  });
}
console.log(JSON.stringify({ solc: solc.version(), methodIdentifiers: contract.evm.methodIdentifiers, calls: results }, null, 2));
