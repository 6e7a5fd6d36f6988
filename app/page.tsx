import { Shell } from "./id-verification/_ui/shell";

export default function Home() {
  return (
    <Shell>
      <h1 className="text-2xl font-semibold tracking-tight">Identity Verification Portal</h1>
      <p className="mt-3 leading-relaxed text-slate-700">
        This service verifies people for the applications that sign them in with Auth0. You arrive here from an application&apos;s sign-in;
        there is nothing to do on this page.
      </p>
    </Shell>
  );
}
